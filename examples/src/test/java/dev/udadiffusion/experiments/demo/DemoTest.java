package dev.udadiffusion.experiments.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.experiments.QuickLoop;
import dev.udadiffusion.experiments.RecordingLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The main job on the quick zoo: four rows, a report that links only files that exist, resumable, rows in table order. */
class DemoTest {

    private static final List<String> ROWS = List.of("source", "source + photometric aug.", "generated", "target (oracle)");

    @Test
    void quickDemoTrainsFourRowsAndWritesARenderedReport(@TempDir Path dir) throws Exception {
        QuickLoop.DemoRun run = QuickLoop.demo();
        DemoReport rep = run.result().report();
        assertEquals(ROWS, rep.rows());
        for (String row : ROWS) {
            assertTrue(run.log().has("seed 0, " + row), row + " in\n" + run.log());
            double[] m = rep.miou(row);
            assertTrue(m[0] >= 0 && m[0] <= 1 && m[1] == 0, row + ": " + m[0]);
            assertTrue(Files.isRegularFile(run.out().resolve("seed-0/train-" + slug(row) + "/iou.csv")), row);
        }
        assertTrue(run.log().has("SegFormer rows, seed 0 (2 at a time): 60/60"), run.log().toString());
        assertTrue(rep.table().contains("trained on") && rep.table().contains("mIoU"), rep.table());
        String md = Files.readString(run.result().markdown());
        String html = Files.readString(run.result().html());
        assertTrue(md.contains("| target (oracle) |") && md.contains("udadiff demo --zoo"), md);
        assertTrue(html.startsWith("<!DOCTYPE html>") && html.contains("<table>") && html.contains("</html>"), html);
        Matcher srcs = Pattern.compile("src=\"([^\"]+)\"").matcher(html);
        int images = 0;
        while (srcs.find()) {
            assertTrue(Files.isRegularFile(run.out().resolve(srcs.group(1))), srcs.group(1));
            images++;
        }
        assertEquals(3, images, html);
        // as a browser shows it (headless Chromium): the table rendered, every image decoded; the same page copied
        // without its images shows the missing-image notes (so the check can fail)
        Path chromium = HeadlessBrowser.require();
        String dom = HeadlessBrowser.dumpDom(chromium, run.result().html(), dir.resolve("browser-profile"));
        assertTrue(dom.contains("data-images=\"3 loaded, 0 missing\""), dom);
        assertTrue(dom.contains("<td>target (oracle)</td>") && !dom.contains("class=\"missing\""), dom);
        Path bare = Files.createDirectories(dir.resolve("bare"));
        Files.copy(run.result().html(), bare.resolve("report.html"));
        String bareDom = HeadlessBrowser.dumpDom(chromium, bare.resolve("report.html"), dir.resolve("browser-profile-2"));
        assertTrue(bareDom.contains("data-images=\"0 loaded, 3 missing\"") && bareDom.contains("missing image: report_iou.png</p>"),
                bareDom);
    }

    @Test
    void rerunResumesAndOneRowAtATimeKeepsTheTableOrder(@TempDir Path dir) {
        QuickLoop.DemoRun first = QuickLoop.demo();
        Path zoo = QuickLoop.zoo().result().zoo();
        RecordingLog again = new RecordingLog();
        Demo.Result r = Demo.run(DemoOptions.standard(zoo, first.out()).withBudget(DemoOptions.Budget.QUICK), "resume",
                again);
        assertTrue(again.has("generated 0 samples (8 already there)") && !again.has("== train"), again.toString());
        for (String row : ROWS) {
            assertEquals(first.result().report().miou(row)[0], r.report().miou(row)[0], 0, row + " evaluated again");
        }
        RecordingLog seq = new RecordingLog();
        Demo.run(DemoOptions.standard(zoo, dir.resolve("seq")).withBudget(DemoOptions.Budget.QUICK).withJobs(1), "seq", seq);
        assertTrue(!seq.has("at a time") && seq.has("bar eval target (oracle)"), seq.toString());
        int at = -1;
        for (String row : ROWS) {
            int i = seq.indexOf("seed 0, " + row);
            assertTrue(i > at, row + " out of order in\n" + seq);
            at = i;
        }
    }

    private static String slug(String row) {
        return row.replaceAll("[^A-Za-z0-9]+", "-").replaceAll("-+$", "").toLowerCase(java.util.Locale.ROOT);
    }
}
