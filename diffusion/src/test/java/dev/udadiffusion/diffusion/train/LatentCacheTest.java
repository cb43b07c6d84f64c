package dev.udadiffusion.diffusion.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.core.testing.TestData;
import dev.udadiffusion.diffusion.vae.AutoencoderKL;
import dev.udadiffusion.diffusion.vae.AutoencoderKLConfig;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class LatentCacheTest {

    /**
     * The cache encodes many images per VAE call; each entry must equal encoding that image (or its mirror) alone.
     * 37 images of two sizes (native resolution) make batches that are cut by size and by the batch limit.
     */
    @Test
    void batchedEncodingEqualsEncodingEachImageAlone(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("images"));
        for (int i = 0; i < 37; i++) {
            int w = i % 5 == 4 ? 24 : 32;
            BufferedImage img = new BufferedImage(w, 16, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setColor(new Color(7 * i % 256, 90 + i, 255 - 5 * i));
            g.fillRect(0, 0, w, 16);
            g.setColor(Color.WHITE);
            g.fillRect(i % 20, 4, 6, 8 - i % 5); // asymmetric, so the mirror image differs
            g.dispose();
            Images.write(img, data.resolve(String.format("img%02d.png", i)));
        }
        Path v = TestData.reference("vae_tiny");
        try (AutoencoderKL vae = AutoencoderKL.load(AutoencoderKLConfig.read(v.resolve("config.json")),
                v.resolve("weights.safetensors"))) {
            ImageFolderData set = ImageFolderData.open(data, "");
            Path file = dir.resolve("latent-cache.safetensors");
            LatentCache cache = LatentCache.build(set, vae, 0, true, file);
            assertTrue(Files.isRegularFile(file));
            LatentCache reread = LatentCache.build(set, vae, 0, true, file);
            for (int i = 0; i < set.size(); i++) {
                BufferedImage img = ImageFolderData.prepare(Images.read(set.items().get(i).image()), 0, false, false, null);
                for (boolean flip : new boolean[] {false, true}) {
                    BufferedImage src = flip ? ImageFolderData.copy(img, true) : img;
                    AutoencoderKL.Posterior alone = vae.encode(Images.toTensor(src));
                    String what = "image " + i + (flip ? " mirrored" : "");
                    assertClose(alone.mean(), cache.mean(i, flip), what);
                    assertClose(alone.std(), cache.std(i, flip), what);
                    assertArrayEquals(cache.mean(i, flip).data().asFloat(), reread.mean(i, flip).data().asFloat(), what);
                }
            }
        }
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what);
        // a batched convolution may sum in another order than a single image's: allow float rounding, nothing more
        assertArrayEquals(expected.data().asFloat(), actual.dup().data().asFloat(), 1e-5f, what);
    }
}
