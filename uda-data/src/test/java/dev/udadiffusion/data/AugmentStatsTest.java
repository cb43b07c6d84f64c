package dev.udadiffusion.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.data.augment.Augment;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.rcs.ClassStats;
import dev.udadiffusion.data.rcs.DatasetStats;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AugmentStatsTest {

    /** The label's colour code is painted into the image, so image and label must move together. */
    @Test
    void daformerResizeAndCatMaxRatioCrop() {
        BufferedImage gta = new BufferedImage(1914, 1052, BufferedImage.TYPE_INT_RGB);
        Augment.Pair r = Augment.resizeKeepRatio(gta, new int[1052][1914], 1280, 720);
        assertEquals(1280, r.image().getWidth()); // min(1280/1914, 720/1052) = 0.6688 → 1280×704 (SPECS §6.5)
        assertEquals(704, r.image().getHeight());
        assertEquals(704, r.labels().length);
        // a 40×10 map: columns 0-35 road (0), 36-39 car (13); 8×8 crops mostly see road only
        int[][] lab = new int[10][40];
        for (int[] row : lab) {
            java.util.Arrays.fill(row, 36, 40, 13);
        }
        BufferedImage img = new BufferedImage(40, 10, BufferedImage.TYPE_INT_RGB);
        int accepted = 0;
        for (long seed = 0; seed < 50; seed++) {
            Augment.Pair c = Augment.randomCrop(img, lab, 8, 8, 0.75, new Rng(seed));
            long car = java.util.Arrays.stream(c.labels()).flatMapToInt(java.util.Arrays::stream).filter(v -> v == 13).count();
            accepted += car > 16 ? 1 : 0; // car share > 1/4, i.e. road share < 0.75
        }
        // acceptable placements are x0 = 31, 32 of 0..32; 11 tries: P = 1 − (31/33)^11 ≈ 0.50
        assertTrue(accepted >= 15, "cat_max_ratio should steer about half the crops onto both classes: " + accepted + "/50");
        // without the rule: 2/33 ≈ 0.06
        int plain = 0;
        for (long seed = 0; seed < 50; seed++) {
            Augment.Pair c = Augment.randomCrop(img, lab, 8, 8, 1.0, new Rng(seed));
            plain += java.util.Arrays.stream(c.labels()).flatMapToInt(java.util.Arrays::stream).filter(v -> v == 13).count() > 16 ? 1 : 0;
        }
        assertTrue(plain <= 10 && plain < accepted, plain + " vs " + accepted);
        // a crop larger than the image is padded with ignore
        Augment.Pair padded = Augment.randomCrop(img, lab, 48, 12, 1.0, new Rng(1));
        assertEquals(255, padded.labels()[11][47]);
        assertEquals(0, padded.labels()[0][0]);
    }

    @Test
    void blurKeepsFlatImagesAndSpreadsAnImpulseNoiseHasTheAskedSpread() {
        BufferedImage flat = new BufferedImage(20, 10, BufferedImage.TYPE_INT_RGB);
        BufferedImage dot = new BufferedImage(21, 21, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 10; y++) {
            for (int x = 0; x < 20; x++) {
                flat.setRGB(x, y, 0x406080);
            }
        }
        dot.setRGB(10, 10, 0xC80000); // red 200
        BufferedImage b = Augment.blur(flat, 1.0);
        assertEquals(0x406080, b.getRGB(0, 0) & 0xFFFFFF);
        assertEquals(0x406080, b.getRGB(13, 7) & 0xFFFFFF);
        BufferedImage d = Augment.blur(dot, 1.0);
        // separable Gaussian, sigma 1, radius 3: centre weight (1/Z)^2 with Z = sum exp(-i^2/2) = 2.50662...
        double z = 0;
        for (int i = -3; i <= 3; i++) {
            z += Math.exp(-i * i / 2.0);
        }
        assertEquals(Math.round(200 / (z * z)), (d.getRGB(10, 10) >> 16) & 255);
        assertEquals(Math.round(200 * Math.exp(-0.5) / (z * z)), (d.getRGB(11, 10) >> 16) & 255);
        assertEquals((d.getRGB(9, 10) >> 16) & 255, (d.getRGB(11, 10) >> 16) & 255);
        assertEquals((d.getRGB(10, 9) >> 16) & 255, (d.getRGB(10, 11) >> 16) & 255);
        BufferedImage grey = new BufferedImage(100, 100, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 100; y++) {
            for (int x = 0; x < 100; x++) {
                grey.setRGB(x, y, 0x808080);
            }
        }
        BufferedImage n = Augment.noise(grey, 8, new Rng(3));
        double sum = 0;
        double sq = 0;
        for (int y = 0; y < 100; y++) {
            for (int x = 0; x < 100; x++) {
                int g = n.getRGB(x, y) & 255;
                sum += g;
                sq += g * g;
            }
        }
        double mean = sum / 1e4;
        double sd = Math.sqrt(sq / 1e4 - mean * mean);
        assertEquals(128, mean, 0.5);
        assertEquals(8, sd, 0.4);
        assertEquals(n.getRGB(5, 5), Augment.noise(grey, 8, new Rng(3)).getRGB(5, 5));
    }

    @Test
    void geometryIsSharedByImageAndLabel() {
        int w = 64;
        int h = 32;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[][] lab = new int[h][w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                lab[y][x] = x < w / 2 ? 0 : 13;
                img.setRGB(x, y, x < w / 2 ? 0x000000 : 0xffffff);
            }
        }
        Rng rng = new Rng(4);
        for (int i = 0; i < 20; i++) {
            Augment.Pair p = Augment.randomFlip(Augment.randomResizedCrop(img, lab, 16, 16, 0.3, 1.0, 0.75, 1.333, rng), rng);
            for (int y = 0; y < 16; y++) {
                for (int x = 0; x < 16; x++) {
                    int grey = p.image().getRGB(x, y) & 0xff;
                    if (grey < 30) {
                        assertEquals(0, p.labels()[y][x]);
                    } else if (grey > 225) {
                        assertEquals(13, p.labels()[y][x]);
                    }
                }
            }
        }
        BufferedImage j1 = Augment.jitter(img, 0.2, new Rng(1));
        BufferedImage j2 = Augment.jitter(img, 0.2, new Rng(1));
        assertEquals(j1.getRGB(40, 3), j2.getRGB(40, 3)); // seeded
    }

    @Test
    void statsAreCachedAndRecomputedWhenLabelsChange(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("gta");
        Files.createDirectories(root.resolve("images"));
        Files.createDirectories(root.resolve("labels"));
        BufferedImage g = new BufferedImage(4, 2, BufferedImage.TYPE_BYTE_GRAY);
        g.getRaster().setSample(0, 0, 0, 26); // car
        g.getRaster().setSample(1, 0, 0, 7); // road
        ImageIO.write(new BufferedImage(4, 2, BufferedImage.TYPE_INT_RGB), "png", root.resolve("images/00001.png").toFile());
        ImageIO.write(g, "png", root.resolve("labels/00001.png").toFile());
        Datasets.Listing l = Datasets.gta5(root, Datasets.Policy.ERROR, true);
        List<ClassStats> s = DatasetStats.of(l, root);
        assertEquals(1, s.get(0).count(13));
        assertEquals(1, s.get(0).count(0));
        assertTrue(Files.exists(root.resolve("sample_class_stats.json")));
        String swc = Files.readString(root.resolve("samples_with_class.json"));
        assertTrue(swc.contains("\"13\":[[") && swc.contains("00001.png\",1]"), swc);
        String before = Files.readString(root.resolve("sample_class_stats.json"));
        g.getRaster().setSample(2, 0, 0, 26);
        Path label = root.resolve("labels/00001.png");
        FileTime written = Files.getLastModifiedTime(label);
        ImageIO.write(g, "png", label.toFile());
        // file times have 1 s resolution on some file systems: a rewrite within the second must still count as new
        Files.setLastModifiedTime(label, FileTime.fromMillis(written.toMillis() + 2000));
        List<ClassStats> again = DatasetStats.of(Datasets.gta5(root, Datasets.Policy.ERROR, true), root);
        assertEquals(2, again.get(0).count(13));
        assertNotEquals(before, Files.readString(root.resolve("sample_class_stats.json")));
        // unchanged labels: the cache is read, not recomputed (stats we plant in it come back as they are)
        int[][] sevenCars = new int[1][7];
        java.util.Arrays.fill(sevenCars[0], 13);
        ClassStats.write(root.resolve("sample_class_stats.json"), List.of(ClassStats.of(label.toString(), sevenCars)));
        List<ClassStats> cached = DatasetStats.of(Datasets.gta5(root, Datasets.Policy.ERROR, true), root);
        assertEquals(7, cached.get(0).count(13));
    }
}
