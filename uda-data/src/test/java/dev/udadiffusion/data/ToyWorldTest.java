package dev.udadiffusion.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.io.LabelMaps;
import dev.udadiffusion.data.io.Sample;
import dev.udadiffusion.data.labels.CityscapesClasses;
import dev.udadiffusion.data.toyworld.ToyWorld;
import dev.udadiffusion.data.toyworld.ToyWorld.Domain;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ToyWorldTest {

    @TempDir
    Path dir;

    static int[] pixels(BufferedImage img) {
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }

    @Test
    void sameSeedGivesIdenticalSamplesAndFilesOtherSeedsDiffer() throws Exception {
        ToyWorld a = new ToyWorld(128, 64, 7);
        ToyWorld b = new ToyWorld(128, 64, 7);
        for (Domain d : Domain.values()) {
            ToyWorld.Sample x = a.render(d, "train", 3);
            ToyWorld.Sample y = b.render(d, "train", 3);
            assertArrayEquals(pixels(x.image()), pixels(y.image()), d.toString());
            assertTrue(Arrays.deepEquals(x.trainIds(), y.trainIds()));
            assertFalse(Arrays.equals(pixels(x.image()), pixels(new ToyWorld(128, 64, 8).render(d, "train", 3).image())));
            assertFalse(Arrays.equals(pixels(x.image()), pixels(a.render(d, "train", 4).image())));
        }
        // two writes (parallel rendering inside) produce the same bytes in every file
        ToyWorld.Counts n = new ToyWorld.Counts(12, 10, 4);
        Path p = dir.resolve("w1");
        Path q = dir.resolve("w2");
        a.write(p, n, null);
        b.write(q, n, null);
        List<Path> files;
        try (Stream<Path> s = Files.walk(p)) {
            files = s.filter(Files::isRegularFile).map(p::relativize).sorted().toList();
        }
        assertEquals(12 * 2 + (10 + 4) * 3 + 3, files.size(), files.toString()); // + two grids + toyworld.json
        for (Path f : files) {
            assertArrayEquals(Files.readAllBytes(p.resolve(f)), Files.readAllBytes(q.resolve(f)), f.toString());
        }
    }

    @Test
    void everyClassAppearsWithALongTailedFrequencyAndTheHoodIsIgnore() {
        ToyWorld w = new ToyWorld(128, 64, 1);
        for (Domain d : Domain.values()) {
            long[] count = new long[CityscapesClasses.COUNT];
            long ignore = 0;
            for (int i = 0; i < 250; i++) {
                int[][] t = w.render(d, "train", i).trainIds();
                for (int[] row : t) {
                    for (int v : row) {
                        if (v == CityscapesClasses.IGNORE) {
                            ignore++;
                        } else {
                            count[v]++;
                        }
                    }
                }
                int[] bottomCentre = {t[t.length - 1][t[0].length / 2]};
                assertEquals(CityscapesClasses.IGNORE, bottomCentre[0], d + " sample " + i + ": the hood is at the bottom");
            }
            long total = Arrays.stream(count).sum();
            double[] f = Arrays.stream(count).mapToDouble(c -> c / (double) total).sorted().toArray();
            for (int c = 0; c < count.length; c++) {
                assertTrue(count[c] > 0, d + ": class " + CityscapesClasses.name(c) + " never appears");
            }
            // long tail like GTA5/Cityscapes: a few stuff classes hold most pixels, the rarest things well under 1 %
            double top4 = f[18] + f[17] + f[16] + f[15];
            assertTrue(top4 > 0.55, d + ": top-4 classes hold " + top4);
            assertTrue(f[0] < 0.003 && f[18] / f[0] > 100, d + ": rarest " + f[0] + ", commonest " + f[18]);
            assertTrue(ignore > 0);
        }
    }

    @Test
    void theReadersAcceptTheWrittenLayoutsAndGetTheRenderedLabels() {
        ToyWorld w = new ToyWorld(96, 48, 3);
        ToyWorld.Written out = w.write(dir.resolve("toy"), new ToyWorld.Counts(5, 4, 3), null);
        Datasets.Listing src = Datasets.gta5(out.source(), Datasets.Policy.ERROR, true);
        Datasets.Listing tr = Datasets.cityscapes(out.target(), "train", Datasets.Policy.ERROR);
        Datasets.Listing val = Datasets.cityscapes(out.target(), "val", Datasets.Policy.ERROR);
        assertEquals(5, src.samples().size());
        assertEquals(4, tr.samples().size());
        assertEquals(3, val.samples().size());
        Sample s = src.samples().get(2);
        assertFalse(s.labelIsTrainIds(), "GTA5 layout: labelIds");
        assertTrue(Arrays.deepEquals(w.render(Domain.SOURCE, "train", 2).trainIds(),
                LabelMaps.readTrainIds(s, src.mapping(), false)));
        Sample t = val.samples().get(1);
        assertTrue(Arrays.deepEquals(w.render(Domain.TARGET, "val", 1).trainIds(),
                LabelMaps.readTrainIds(t, val.mapping(), false)));
        assertTrue(Files.isRegularFile(out.root().resolve("source_grid.png")));
        assertTrue(Files.isRegularFile(out.root().resolve("target_grid.png")));
        assertEquals(1.0, Arrays.stream(out.sourceFrequency()).sum(), 1e-9);
    }

    @Test
    void anExistingWorldIsReusedAnythingElseRefusedAndNoPartialFolderRemains() throws Exception {
        ToyWorld w = new ToyWorld(64, 32, 5);
        ToyWorld.Counts n = new ToyWorld.Counts(2, 2, 1);
        Path out = dir.resolve("toy");
        assertFalse(w.write(out, n, null).reused());
        assertTrue(w.write(out, n, null).reused());
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                () -> new ToyWorld(64, 32, 6).write(out, n, null));
        assertTrue(other.getMessage().contains("other parameters"), other.getMessage());
        Path busy = dir.resolve("busy");
        Files.createDirectories(busy);
        Files.writeString(busy.resolve("notes.txt"), "mine");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> w.write(busy, n, null));
        assertTrue(refused.getMessage().contains("busy"), refused.getMessage());
        // a failure during writing (here: the listener throws) leaves neither the folder nor a temporary
        Path failed = dir.resolve("failed");
        assertThrows(IllegalStateException.class, () -> w.write(failed, n, (done, total) -> {
            throw new IllegalStateException("interrupted");
        }));
        assertFalse(Files.exists(failed));
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(f -> f.getFileName().toString().contains("partial")));
        }
        assertThrows(IllegalArgumentException.class, () -> new ToyWorld(64, 80, 1));
        assertThrows(IllegalArgumentException.class, () -> new ToyWorld(16, 8, 1));
    }

    @Test
    void theDomainsLookDifferentOverTheSameClasses() {
        ToyWorld w = new ToyWorld(128, 64, 2);
        double[][] mean = new double[2][3];
        for (Domain d : Domain.values()) {
            long n = 0;
            for (int i = 0; i < 30; i++) {
                ToyWorld.Sample s = w.render(d, "train", i);
                for (int y = 0; y < 64; y++) {
                    for (int x = 0; x < 128; x++) {
                        if (s.trainIds()[y][x] == 8) { // vegetation: saturated green in the game, olive in the real world
                            int rgb = s.image().getRGB(x, y);
                            mean[d.ordinal()][0] += (rgb >> 16) & 255;
                            mean[d.ordinal()][1] += (rgb >> 8) & 255;
                            mean[d.ordinal()][2] += rgb & 255;
                            n++;
                        }
                    }
                }
            }
            for (int c = 0; c < 3; c++) {
                mean[d.ordinal()][c] /= n;
            }
        }
        double satSource = mean[0][1] - (mean[0][0] + mean[0][2]) / 2;
        double satTarget = mean[1][1] - (mean[1][0] + mean[1][2]) / 2;
        assertTrue(satSource > 1.5 * satTarget, Arrays.deepToString(mean));
    }
}
