package dev.udadiffusion.experiments.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.experiments.demo.DemoReport;
import dev.udadiffusion.segformer.eval.ConfusionMatrix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Table45Test {

    /** Truth: row 0 road, row 1 sidewalk; {@code wrong} sidewalk pixels predicted as road. */
    private static ConfusionMatrix cm(int wrong) {
        ConfusionMatrix cm = new ConfusionMatrix();
        int[][] truth = new int[2][10];
        int[][] pred = new int[2][10];
        for (int x = 0; x < 10; x++) {
            truth[1][x] = 1;
            pred[1][x] = x < wrong ? 0 : 1;
        }
        cm.add(truth, pred, "t");
        return cm;
    }

    @Test
    void theTableHasTheThesisRowsOursAndEachSelfTrainingRowAgainstItsBaseline(@TempDir Path dir) throws Exception {
        Map<String, List<ConfusionMatrix>> r = new LinkedHashMap<>();
        r.put("source", List.of(cm(4), cm(5), cm(6)));
        r.put("generated", List.of(cm(3), cm(3), cm(4)));
        r.put("source + self-training", List.of(cm(2), cm(3), cm(4)));
        r.put("generated + self-training", List.of(cm(1), cm(2), cm(1)));
        Path md = dir.resolve("table4.5.md");
        Table45.write(md, new DemoReport(r), "test rows", 0.5);
        String t = Files.readString(md);
        assertTrue(t.startsWith("# Table 4.5 (thesis §4.3.4)"), t);
        assertTrue(t.contains("| thesis: Gen (w/ DAFormer) | 96.0 | 72.1 |") && t.contains("59.9 |"), t);
        assertTrue(t.contains("| thesis: GTA5 (w/ DAFormer) |") && t.contains("| 68.3 |"), t);
        assertTrue(t.contains("| ours: generated + self-training |"), t);
        assertTrue(t.contains("- generated + self-training against generated: +") && t.contains("ahead on 3 of 3 seeds"), t);
        assertTrue(t.contains("- source + self-training against source: +"), t);
        assertEquals(20, ThesisNumbers.TABLE_4_5.rows().get("Gen (w/o DAFormer)").length);
    }
}
