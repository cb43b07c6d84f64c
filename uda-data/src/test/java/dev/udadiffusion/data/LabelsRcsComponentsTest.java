package dev.udadiffusion.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.data.components.ConnectedComponents;
import dev.udadiffusion.data.labels.LabelMapping;
import dev.udadiffusion.data.rcs.ClassStats;
import dev.udadiffusion.data.rcs.RareClassSampler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelsRcsComponentsTest {

    @Test
    void labelTablesFollowCityscapesScriptsAndDaformer() {
        int[][] m = {{7, 8, 9, 33}, {26, 31, 0, 23}};
        LabelMapping.CITYSCAPES.apply(m, "x.png", false);
        assertEquals(List.of(0, 1, 255, 18, 13, 16, 255, 10), List.of(m[0][0], m[0][1], m[0][2], m[0][3], m[1][0], m[1][1],
                m[1][2], m[1][3]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LabelMapping.GTA5.apply(new int[][] {{7, 40}}, "00001.png", false));
        assertTrue(e.getMessage().contains("00001.png: label id 40 at (x=1, y=0)"), e.getMessage());
        int[][] lenient = {{7, 40}};
        assertEquals(1, LabelMapping.GTA5.apply(lenient, "y", true));
        assertEquals(255, lenient[0][1]);
        assertEquals(0, LabelMapping.SYNTHIA.trainId(3));
        assertEquals(18, LabelMapping.SYNTHIA.trainId(11));
        assertEquals(255, LabelMapping.SYNTHIA.trainId(13));
    }

    static ClassStats stats(String f, long... perClass) {
        long[] c = new long[19];
        System.arraycopy(perClass, 0, c, 0, perClass.length);
        return new ClassStats(f, c);
    }

    /** Totals road 5000, sidewalk 3000, building 2000 → f = 0.5, 0.3, 0.2; P ∝ exp((1 − f)/T) with T = 0.1. */
    @Test
    void rcsProbabilitiesMinPixelsAndAcceptance() {
        List<ClassStats> s = List.of(stats("a.png", 4000, 0, 1000), stats("b.png", 1000, 3000, 1000));
        RareClassSampler r = new RareClassSampler(s, 0.1, 900, 0.5);
        double z = Math.exp(5) + Math.exp(7) + Math.exp(8);
        assertEquals(Math.exp(5) / z, r.probability(0), 1e-12);
        assertEquals(Math.exp(7) / z, r.probability(1), 1e-12);
        assertEquals(Math.exp(8) / z, r.probability(2), 1e-12);
        assertEquals(0.0, r.probability(5), 0);
        assertEquals(List.of(0, 1), r.candidates(0)); // 4000 and 1000 > 900
        assertEquals(List.of(1), r.candidates(1));
        assertTrue(r.accept(451) && !r.accept(450)); // > 900 · 0.5, strict
        // a class whose pixels never exceed min-pixels in any file cannot be sampled
        RareClassSampler strict = new RareClassSampler(s, 0.1, 1000, 0.5);
        assertEquals(List.of(0), strict.candidates(0)); // 1000 is not > 1000
        assertEquals(0.0, strict.probability(2), 0);
        // empirical frequencies follow P
        Rng rng = new Rng(1);
        int n = 20000;
        int[] hits = new int[19];
        for (int i = 0; i < n; i++) {
            hits[r.sample(rng).trainId()]++;
        }
        assertEquals(r.probability(2), hits[2] / (double) n, 0.01);
        assertEquals(n, r.timesSampled()[0] + r.timesSampled()[1] + r.timesSampled()[2]);
    }

    @Test
    void smallMapsWithNoCandidateFileRefuseSamplingClearly() {
        RareClassSampler s = RareClassSampler.daformer(List.of(stats("a.png", 2000, 1000), stats("b.png", 500)));
        assertEquals(0.0, s.probability(0), 0);
        assertEquals(0.0, s.probability(1), 0);
        assertEquals(2500.0 / 3500, s.frequency(0), 1e-15);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.sample(new Rng(1)));
        assertTrue(e.getMessage().contains("no class has more than 3000 pixels in any of the 2 label maps"), e.getMessage());
    }

    @Test
    void daformerStatsJsonRoundTrip(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("sample_class_stats.json");
        ClassStats a = ClassStats.of("gta/labels/00001_labelTrainIds.png", new int[][] {{0, 0, 13}, {255, 13, 18}});
        ClassStats.write(f, List.of(a));
        String json = Files.readString(f);
        assertTrue(json.contains("\"0\":2") && json.contains("\"13\":2") && json.contains("\"18\":1")
                && json.contains("\"file\":\"gta/labels/00001_labelTrainIds.png\""), json);
        assertFalse(json.contains("\"1\":"), "only positive counts are written");
        ClassStats back = ClassStats.read(f).get(0);
        assertEquals(2, back.count(13));
        assertEquals(a.file(), back.file());
    }

    @Test
    void componentsUnderFourAndEightConnectivity() {
        int[][] m = {
            {1, 0, 0, 2},
            {0, 1, 0, 2},
            {0, 0, 255, 0},
            {3, 3, 0, 0}};
        ConnectedComponents eight = ConnectedComponents.of(m, true, 255);
        ConnectedComponents four = ConnectedComponents.of(m, false, 255);
        long ones8 = eight.components().stream().filter(c -> c.label() == 1).count();
        long ones4 = four.components().stream().filter(c -> c.label() == 1).count();
        assertEquals(1, ones8); // the diagonal pair touches
        assertEquals(2, ones4);
        var zero = eight.components().stream().filter(c -> c.label() == 0).toList();
        assertEquals(1, zero.size()); // all zeros connect (diagonally around the ignored pixel)
        assertEquals(9, zero.get(0).area());
        var two = eight.components().stream().filter(c -> c.label() == 2).findFirst().orElseThrow();
        assertEquals(List.of(3, 0, 3, 1, 2L), List.of(two.minX(), two.minY(), two.maxX(), two.maxY(), two.area()));
        assertEquals(-1, eight.idAt(2, 2));
        boolean[][] mask = eight.mask(two);
        assertTrue(mask[0][0] && mask[1][0]);
        assertEquals(3, eight.smallerThan(3).size()); // the ones, the twos and the threes (area 2 each); not the zeros (9)
    }

    @Test
    void largeMapIsHandled() {
        int[][] m = new int[1024][2048];
        for (int y = 0; y < 1024; y++) {
            for (int x = 0; x < 2048; x++) {
                m[y][x] = ((x / 64) + (y / 64)) % 3;
            }
        }
        ConnectedComponents cc = ConnectedComponents.of(m, false, 255);
        assertEquals(32 * 16, cc.components().size()); // a checkerboard of 64×64 tiles with 3 colours: no two equal neighbours
    }
}
