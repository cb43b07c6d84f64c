package dev.udadiffusion.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.random.Rng;
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
        int withBike = 0;
        for (int i = 0; i < 20; i++) {
            RcsCropper.Crop c = cropper.next(rng);
            assertTrue(c.trainId() != 18 || c.file().endsWith("00002.png"), "bicycle crops come from the file with bicycles: "
                    + c.file());
            long n = 0;
            for (int[] row : c.pair().labels()) {
                for (int v : row) {
                    n += v == 18 ? 1 : 0;
                }
            }
            if (n > 150 || c.tries() == RareClassSampler.MAX_CROP_TRIES + 1) {
                withBike++;
            }
        }
        assertEquals(20, withBike, "every crop is accepted or is the unchecked 11th");
    }
}
