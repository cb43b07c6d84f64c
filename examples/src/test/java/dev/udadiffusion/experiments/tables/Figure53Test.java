package dev.udadiffusion.experiments.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.experiments.QuickLoop;
import dev.udadiffusion.experiments.RecordingLog;
import dev.udadiffusion.experiments.demo.DemoOptions;
import dev.udadiffusion.experiments.demo.DemoReport;
import dev.udadiffusion.experiments.demo.DemoReportTest;
import dev.udadiffusion.segformer.eval.ConfusionMatrix;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Figure53Test {

    @Test
    void sharesRoundToAtLeastOneImage() {
        assertEquals(15, Figure53.count(0.01, 1500));
        assertEquals(150, Figure53.count(0.10, 1500));
        assertEquals(1, Figure53.count(0.01, 24));
        assertEquals(2, Figure53.count(0.10, 24));
        assertEquals(24, Figure53.count(1.0, 24));
    }

    /** The page for the thesis's six shares: one line per share, both curves, the 10 % question answered. */
    @Test
    void thePageHasEveryShareAndAnswersTheTenPercentQuestion(@TempDir Path dir) throws Exception {
        Map<String, List<ConfusionMatrix>> r = new LinkedHashMap<>();
        for (double share : Figure53.SHARES) {
            int wrong = share < 0.2 ? 4 : 1;
            r.put(Figure53.targetRow(share), List.of(DemoReportTest.cm(wrong), DemoReportTest.cm(wrong + 1), DemoReportTest.cm(wrong)));
        }
        r.put(Figure53.GENERATED, List.of(DemoReportTest.cm(5), DemoReportTest.cm(5), DemoReportTest.cm(6)));
        for (double share : Figure53.SHARES) {
            r.put(Figure53.generatedRow(share), List.of(DemoReportTest.cm(1), DemoReportTest.cm(0), DemoReportTest.cm(1)));
        }
        Path md = dir.resolve("figure5.3.md");
        Figure53.write(md, new DemoReport(r), Figure53.SHARES, 1500, "test rows", 0.5);
        String t = Files.readString(md);
        for (String s : List.of("| 1 % (15) |", "| 5 % (75) |", "| 10 % (150) |", "| 25 % (375) |", "| 50 % (750) |",
                "| 100 % (1500) |", "| 0 % (0) | – |")) {
            assertTrue(t.contains(s), s + " in\n" + t);
        }
        assertTrue(t.contains("Ours: 10 % of the labels reach"), t);
        assertTrue(t.contains("ahead on 3 of 3 seeds"), t);
        assertTrue(ImageIO.read(dir.resolve("figure5.3.png").toFile()).getHeight() == 480);
    }

    /**
     * A run on the quick zoo (24 labeled target images) at one share, 50 %: three rows — the share alone, the generated
     * set alone (the demo's, reused), the share with it — each trained on as many images as its share says. (The
     * command's --quick runs 10 % and 100 %; one share keeps this test short.)
     */
    @Test
    void quickRunTrainsTheShareAloneAndWithTheGeneratedSet() throws Exception {
        Path zoo = QuickLoop.zoo().result().zoo();
        Path dir = QuickLoop.demo().out(); // the demo's generated set and its row are reused
        RecordingLog log = new RecordingLog();
        Path md = Figure53.toy(DemoOptions.standard(zoo, dir).withBudget(DemoOptions.Budget.QUICK).withJobs(2),
                new double[] {0.5}, "test", log);
        String t = Files.readString(md);
        assertTrue(log.has("train SegFormer on target 50 % (12 images"), log.toString());
        assertTrue(log.has("train SegFormer on generated + target 50 % (20 images"), log.toString());
        assertTrue(t.contains("| 50 % (12) | "), t);
        assertTrue(log.has("generated 0 samples (8 already there)") && !log.has("train SegFormer on generated ("), log.toString());
        assertTrue(t.contains("| 0 % (0) | – | ") && !t.contains("Is 10 %"), t);
        BufferedImage png = ImageIO.read(dir.resolve("figure5.3.png").toFile());
        assertTrue(png.getWidth() >= 760 && png.getHeight() == 480);
        assertTrue(Files.readString(dir.resolve("figure5.3.html")).contains("figure5.3.png"));
    }
}
