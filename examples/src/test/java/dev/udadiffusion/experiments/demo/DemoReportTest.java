package dev.udadiffusion.experiments.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.segformer.eval.ConfusionMatrix;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

public class DemoReportTest {

    /** A 2-class world: truth row 0 all class 0, row 1 all class 1; {@code wrong} class-1 pixels predicted as 0. */
    public static ConfusionMatrix cm(int wrong) {
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
        DemoReport rep = new DemoReport(r);
        double[] iou = rep.meanIoU("generated");
        assertEquals((10.0 / 12 + 1) / 2, iou[0], 1e-12);
        assertEquals((0.8 + 1) / 2, iou[1], 1e-12);
        assertTrue(Double.isNaN(iou[5]), "a class absent from truth and prediction has no IoU");
        double m0 = (10.0 / 12 + 0.8) / 2;
        double[] m = rep.miou("generated");
        assertEquals((m0 + 1) / 2, m[0], 1e-12);
        assertEquals(Math.abs(1 - m0) / Math.sqrt(2), m[1], 1e-12); // sample std of two values
        assertTrue(rep.table().contains("mIoU (mean ± std over 2 seeds)"), rep.table());
        assertTrue(rep.table().contains(String.format(Locale.ROOT, "%.1f ± %.1f", 100 * m[0], 100 * m[1])), rep.table());
    }

    private static double miou(int wrong) {
        return (10.0 / (10 + wrong) + (10 - wrong) / 10.0) / 2;
    }

    @Test
    void rowsAreComparedWithTheFirstSeedBySeed() {
        Map<String, List<ConfusionMatrix>> r = new LinkedHashMap<>();
        r.put("source", List.of(cm(2), cm(0), cm(4)));
        r.put("generated", List.of(cm(0), cm(1), cm(4))); // ahead, behind, level
        DemoReport rep = new DemoReport(r);
        double[] d = {miou(0) - miou(2), miou(1) - miou(0), 0};
        double mean = (d[0] + d[1] + d[2]) / 3;
        double sd = Math.sqrt(((d[0] - mean) * (d[0] - mean) + (d[1] - mean) * (d[1] - mean) + mean * mean) / 2);
        double t = mean / (sd / Math.sqrt(3));
        double p = 1 - Math.abs(t) / Math.sqrt(t * t + 2); // Student's t with 2 degrees of freedom, two-sided
        double[] v = rep.versusFirst("generated");
        assertEquals(mean, v[0], 1e-12);
        assertEquals(sd, v[1], 1e-12);
        assertEquals(1, v[2], "ahead only where strictly better");
        assertEquals(p, v[3], 1e-9);
        String lines = rep.perSeed();
        assertTrue(lines.contains(String.format(Locale.ROOT, "%7.1f%7.1f%7.1f", 100 * miou(0), 100 * miou(1),
                100 * miou(4))), lines);
        assertTrue(lines.contains(String.format(Locale.ROOT, "vs source: %+.1f ± %.1f, ahead on 1 of 3 seeds, "
                + "paired t-test p = %.2f", 100 * mean, 100 * sd, p)), lines);
        assertTrue(p > 0.01, "the case is built with a visible p");
        assertEquals(0, rep.versusFirst("source")[0], 0, "the first row against itself");
    }

    @Test
    void aClearLeadPrintsAnUpperBoundForP() {
        Map<String, List<ConfusionMatrix>> r = new LinkedHashMap<>();
        r.put("source", List.of(cm(4), cm(5), cm(6)));
        r.put("oracle", List.of(cm(0), cm(1), cm(1)));
        DemoReport rep = new DemoReport(r);
        assertTrue(rep.versusFirst("oracle")[3] < 0.01, () -> "p " + rep.versusFirst("oracle")[3]);
        assertTrue(rep.perSeed().contains("ahead on 3 of 3 seeds, paired t-test p < 0.01\n"), rep.perSeed());
    }

    @Test
    void noTestBelowThreeSeeds() {
        Map<String, List<ConfusionMatrix>> r = new LinkedHashMap<>();
        r.put("source", List.of(cm(2), cm(0)));
        r.put("generated", List.of(cm(0), cm(1)));
        DemoReport rep = new DemoReport(r);
        assertTrue(Double.isNaN(rep.versusFirst("generated")[3]));
        assertTrue(rep.perSeed().contains("ahead on 1 of 2 seeds\n"), rep.perSeed());
    }

    @Test
    void htmlEscapesAndRendersTablesImagesAndLists() {
        String h = ReportHtml.render("# T <x>\n\n| a | **b** |\n|---|---|\n| 1 | 2 |\n\n- `cmd` & more\n\n![alt](p.png)\n");
        assertTrue(h.contains("<h1>T &lt;x&gt;</h1>"), h);
        assertTrue(h.contains("<table>\n<tr><td>a</td><td><b>b</b></td></tr>\n<tr><td>1</td><td>2</td></tr>\n</table>"), h);
        assertTrue(h.contains("<li><code>cmd</code> &amp; more</li>"), h);
        assertTrue(h.contains("<img alt=\"alt\" src=\"p.png\">"), h);
    }
}
