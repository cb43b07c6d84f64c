package dev.udadiffusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.segformer.eval.ConfusionMatrix;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoReportTest {

    /** A 2-class world: truth row 0 all class 0, row 1 all class 1; {@code wrong} class-1 pixels predicted as 0. */
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
    void meanAndSampleStdOverSeeds() {
        Map<String, List<ConfusionMatrix>> r = new LinkedHashMap<>();
        // seed 0: road IoU 10/12, class-1 IoU 8/10; seed 1: all right (IoU 1, 1)
        r.put("generated", List.of(cm(2), cm(0)));
        DemoReport rep = new DemoReport(null, null, null, r, List.of(), null, "", 1, 1, 2, 0);
        double[] iou = rep.meanIoU("generated");
        assertEquals((10.0 / 12 + 1) / 2, iou[0], 1e-12);
        assertEquals((0.8 + 1) / 2, iou[1], 1e-12);
        assertTrue(Double.isNaN(iou[5]), "a class absent from truth and prediction has no IoU");
        double m0 = (10.0 / 12 + 0.8) / 2;
        double[] m = rep.miou("generated");
        assertEquals((m0 + 1) / 2, m[0], 1e-12);
        assertEquals(Math.abs(1 - m0) / Math.sqrt(2), m[1], 1e-12); // sample std of two values
        assertTrue(rep.table().contains("mIoU (mean ± std over 2 seeds)"), rep.table());
        assertTrue(rep.table().contains(String.format(java.util.Locale.ROOT, "%.1f ± %.1f", 100 * m[0], 100 * m[1])), rep.table());
    }

    @Test
    void htmlEscapesAndRendersTablesImagesAndLists() {
        String h = DemoReport.html("# T <x>\n\n| a | **b** |\n|---|---|\n| 1 | 2 |\n\n- `cmd` & more\n\n![alt](p.png)\n");
        assertTrue(h.contains("<h1>T &lt;x&gt;</h1>"), h);
        assertTrue(h.contains("<table>\n<tr><td>a</td><td><b>b</b></td></tr>\n<tr><td>1</td><td>2</td></tr>\n</table>"), h);
        assertTrue(h.contains("<li><code>cmd</code> &amp; more</li>"), h);
        assertTrue(h.contains("<img alt=\"alt\" src=\"p.png\">"), h);
    }
}
