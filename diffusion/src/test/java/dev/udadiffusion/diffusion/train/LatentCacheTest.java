package dev.udadiffusion.diffusion.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        Path data = images(dir.resolve("images"), 0, 37, true);
        try (AutoencoderKL vae = tinyVae()) {
            ImageFolderData set = ImageFolderData.open(data, "");
            Path file = dir.resolve("latent-cache.safetensors");
            LatentCache cache = LatentCache.build(set, vae, 0, true, file);
            assertTrue(Files.isRegularFile(file));
            assertEquals(74, cache.encoded());
            LatentCache reread = LatentCache.build(set, vae, 0, true, file);
            assertEquals(0, reread.encoded());
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

    /**
     * Two overlapping image sets in different folders share one cache file: the second build encodes only the images
     * the first did not have, and serves the shared ones exactly; another VAE (one weight changed) starts over.
     */
    @Test
    void overlappingSetsShareOneFileAndAnotherVaeStartsOver(@TempDir Path dir) throws Exception {
        ImageFolderData first = ImageFolderData.open(images(dir.resolve("a"), 0, 12, false), "");
        ImageFolderData second = ImageFolderData.open(images(dir.resolve("b"), 8, 20, false), ""); // 8..11 in both
        Path file = dir.resolve("shared.safetensors");
        try (AutoencoderKL vae = tinyVae()) {
            assertEquals(24, LatentCache.build(first, vae, 0, true, file).encoded());
            LatentCache shared = LatentCache.build(second, vae, 0, true, file);
            assertEquals(2 * 8, shared.encoded());
            LatentCache own = LatentCache.build(second, vae, 0, true, dir.resolve("own.safetensors"));
            for (int i = 0; i < second.size(); i++) {
                for (boolean flip : new boolean[] {false, true}) {
                    assertArrayEquals(own.mean(i, flip).data().asFloat(), shared.mean(i, flip).data().asFloat());
                    assertArrayEquals(own.std(i, flip).data().asFloat(), shared.std(i, flip).data().asFloat());
                }
            }
            assertEquals(0, LatentCache.build(first, vae, 0, false, file).encoded()); // flips off: a subset
            INDArray w = vae.sameDiff().getArrForVarName(vae.params().varName("encoder.conv_in.bias"));
            w.putScalar(0, w.getFloat(0) + 0.5f);
            LatentCache changed = LatentCache.build(second, vae, 0, true, file);
            assertEquals(24, changed.encoded());
            assertFalse(java.util.Arrays.equals(own.mean(0, false).data().asFloat(), changed.mean(0, false).data().asFloat()));
        }
    }

    private static AutoencoderKL tinyVae() {
        Path v = TestData.reference("vae_tiny");
        return AutoencoderKL.load(AutoencoderKLConfig.read(v.resolve("config.json")), v.resolve("weights.safetensors"));
    }

    /** Images {@code from}..{@code to}−1 of a fixed sequence (of two sizes if {@code mixed}), asymmetric (the mirror image differs). */
    private static Path images(Path folder, int from, int to, boolean mixed) throws java.io.IOException {
        Files.createDirectories(folder);
        for (int i = from; i < to; i++) {
            int w = mixed && i % 5 == 4 ? 24 : 32;
            BufferedImage img = new BufferedImage(w, 16, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setColor(new Color(7 * i % 256, 90 + i, 255 - 5 * i));
            g.fillRect(0, 0, w, 16);
            g.setColor(Color.WHITE);
            g.fillRect(i % 20, 4, 6, 8 - i % 5);
            g.dispose();
            Images.write(img, folder.resolve(String.format("img%02d.png", i)));
        }
        return folder;
    }

    private static void assertClose(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what);
        // a batched convolution may sum in another order than a single image's: allow float rounding, nothing more
        assertArrayEquals(expected.data().asFloat(), actual.dup().data().asFloat(), 1e-5f, what);
    }
}
