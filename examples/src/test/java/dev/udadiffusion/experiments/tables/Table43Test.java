package dev.udadiffusion.experiments.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.experiments.ExperimentLog;
import dev.udadiffusion.experiments.RecordingLog;
import dev.udadiffusion.experiments.demo.DemoReport;
import dev.udadiffusion.experiments.demo.DemoReportTest;
import dev.udadiffusion.segformer.eval.ConfusionMatrix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Table43Test {

    @Test
    void theTableHasTheThesisRowsOursAndTheGeneratedRowAgainstTheSource(@TempDir Path dir) throws Exception {
        Map<String, List<ConfusionMatrix>> r = new LinkedHashMap<>();
        r.put("source", List.of(DemoReportTest.cm(4), DemoReportTest.cm(5), DemoReportTest.cm(6)));
        r.put("source + photometric aug.", List.of(DemoReportTest.cm(3), DemoReportTest.cm(4), DemoReportTest.cm(4)));
        r.put("generated", List.of(DemoReportTest.cm(3), DemoReportTest.cm(3), DemoReportTest.cm(4)));
        r.put("target (oracle)", List.of(DemoReportTest.cm(0), DemoReportTest.cm(1), DemoReportTest.cm(0)));
        Path md = dir.resolve("table4.3.md");
        Table43.write(md, new DemoReport(r), "test rows", 0.5);
        String t = Files.readString(md);
        assertTrue(t.startsWith("# Table 4.3 (thesis §4.3.2)"), t);
        assertTrue(t.contains("| thesis: GTA5 | 65.0 | 19.8 | 85.5 |") && t.contains("| 47.7 |"), t);
        assertTrue(t.contains("| thesis: Ours | 93.0 | 57.3 |") && t.contains("| 51.1 |"), t);
        assertTrue(t.contains("| ours: generated |") && t.contains("| ours: target (oracle) |"), t);
        assertTrue(t.contains("- generated against source: +") && t.contains("ahead on 3 of 3 seeds"), t);
        assertEquals(20, ThesisNumbers.TABLE_4_3.rows().get("GTA5").length);
        // the same page as HTML, with the chart of the thesis's rows beside ours
        assertTrue(t.contains("![thesis (grey) and ours (colour)](table4.3.png)"), t);
        assertTrue(Files.size(dir.resolve("table4.3.png")) > 1000);
        String html = Files.readString(dir.resolve("table4.3.html"));
        assertTrue(html.contains("<img") && html.contains("table4.3.png") && html.contains("<table"), html);
    }

    /** Tables 4.3 and 4.2 on the same tiny real folders: 4.2 reuses 4.3's source and generated rows, adds the target. */
    @Test
    void theRealDataRecipesTrainTheirRowsOnTinyFolders(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("table");
        Table45.RealData data = Table45Test.tinyRealData(dir);
        String t = Files.readString(Table43.real(data, out, ExperimentLog.silent()));
        assertTrue(t.contains("| ours: source |") && t.contains("| ours: generated |") && t.contains("2 iterations per row"), t);
        for (String row : List.of("source", "generated")) {
            assertTrue(Files.isRegularFile(out.resolve(row + "/segformer/model.safetensors")), row);
            assertTrue(Files.isRegularFile(out.resolve(row + "/iou.csv")), row);
        }
        RecordingLog log = new RecordingLog();
        String t42 = Files.readString(Table42.real(data, out, log));
        assertTrue(log.has("== target") && !log.has("== source") && !log.has("== generated"), log.toString());
        assertTrue(t42.startsWith("# Table 4.2 (thesis §4.3.1)"), t42);
        assertTrue(t42.contains("| target (oracle) (thesis: Cityscapes→Cityscapes (oracle)) | 76.8 |"), t42);
        assertTrue(Files.isRegularFile(out.resolve("target/segformer/model.safetensors")));
    }
}
