package dev.udadiffusion.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.data.augment.Augment;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.rcs.DatasetStats;
import dev.udadiffusion.data.rcs.RareClassSampler;
import dev.udadiffusion.data.rcs.RcsCropper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RcsCropperTest {

    /** A rare class (bicycle) in one corner of one file: RCS picks it often and the accepted crops contain it. */
    @Test
    void rareClassCropsContainTheClass(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("gta");
        Files.createDirectories(root.resolve("images"));
        Files.createDirectories(root.resolve("labels"));
        for (int f = 1; f <= 2; f++) {
            BufferedImage g = new BufferedImage(128, 64, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < 64; y++) {
                for (int x = 0; x < 128; x++) {
                    int id = y < 32 ? 23 : 7; // sky over road
                    if (f == 2 && x >= 100 && y >= 40) {
                        id = 33; // bicycle, 28 x 24 = 672 pixels
                    }
                    g.getRaster().setSample(x, y, 0, id);
                }
            }
            ImageIO.write(new BufferedImage(128, 64, BufferedImage.TYPE_INT_RGB), "png", root.resolve(String.format("images/%05d.png", f)).toFile());
            ImageIO.write(g, "png", root.resolve(String.format("labels/%05d.png", f)).toFile());
        }
        Datasets.Listing l = Datasets.gta5(root, Datasets.Policy.ERROR, true);
        RareClassSampler rcs = new RareClassSampler(DatasetStats.of(l, root), 0.01, 300, 0.5);
        assertTrue(rcs.probability(18) > 0.99, "bicycle is by far the rarest class: " + rcs.probability(18));
        RcsCropper cropper = new RcsCropper(l, rcs, 32, 32, 0.1, 0.3);
        Rng rng = new Rng(9);
        int accepted = 0;
        for (int i = 0; i < 20; i++) {
            RcsCropper.Crop c = cropper.next(rng);
            assertTrue(c.trainId() != 18 || c.file().endsWith("00002.png"), "bicycle crops come from the file with bicycles: "
                    + c.file());
            if (c.tries() <= RareClassSampler.MAX_CROP_TRIES) { // checked and accepted: more than 300 · 0.5 pixels
                assertTrue(count(c.pair().labels(), c.trainId()) > 150, "accepted crop " + i + " lacks its class");
                accepted++;
            }
        }
        // the unchecked fallback (the 11th crop) is the exception: here a try finds the bicycle with p ≈ 0.1 (a 0.1–0.3
        // area crop must be 15 % bicycle), so about 1 − 0.9¹⁰ ≈ 65 % of the draws end in an accepted crop
        assertTrue(accepted >= 10, accepted + " of 20 crops accepted");
    }

    /** The acceptance rule itself: up to 10 checked crops, then the 11th kept unchecked; a good crop ends the search. */
    @Test
    void checksTenCropsThenKeepsTheEleventh(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("gta");
        Files.createDirectories(root.resolve("images"));
        Files.createDirectories(root.resolve("labels"));
        BufferedImage g = new BufferedImage(16, 8, BufferedImage.TYPE_BYTE_GRAY);
        for (int x = 0; x < 16; x++) {
            g.getRaster().setSample(x, 0, 0, 33); // one row of bicycle over road
            for (int y = 1; y < 8; y++) {
                g.getRaster().setSample(x, y, 0, 7);
            }
        }
        ImageIO.write(new BufferedImage(16, 8, BufferedImage.TYPE_INT_RGB), "png", root.resolve("images/00001.png").toFile());
        ImageIO.write(g, "png", root.resolve("labels/00001.png").toFile());
        Datasets.Listing l = Datasets.gta5(root, Datasets.Policy.ERROR, true);
        RareClassSampler rcs = new RareClassSampler(DatasetStats.of(l, root), 0.01, 1, 0.5);
        int[][] noBike = new int[4][4];
        int[][] allBike = new int[4][4];
        for (int[] row : allBike) {
            java.util.Arrays.fill(row, 18);
        }
        int[] calls = {0};
        RcsCropper never = new RcsCropper(l, rcs, (img, lab, rng) -> {
            calls[0]++;
            return new Augment.Pair(img, noBike);
        });
        RcsCropper.Crop c = never.next(new Rng(1));
        assertEquals(18, c.trainId());
        assertEquals(RareClassSampler.MAX_CROP_TRIES + 1, c.tries());
        assertEquals(RareClassSampler.MAX_CROP_TRIES + 1, calls[0], "ten checked crops and the unchecked eleventh");
        calls[0] = 0;
        RcsCropper third = new RcsCropper(l, rcs, (img, lab, rng) -> new Augment.Pair(img, ++calls[0] == 3 ? allBike : noBike));
        assertEquals(3, third.next(new Rng(1)).tries());
        assertEquals(3, calls[0]);
    }

    private static long count(int[][] labels, int c) {
        long n = 0;
        for (int[] row : labels) {
            for (int v : row) {
                n += v == c ? 1 : 0;
            }
        }
        return n;
    }
}
