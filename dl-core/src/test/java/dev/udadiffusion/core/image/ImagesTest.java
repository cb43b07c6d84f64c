package dev.udadiffusion.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class ImagesTest {

    @TempDir
    Path dir;

    static BufferedImage randomImage(int w, int h, long seed) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, r.nextInt(1 << 24));
        return img;
    }

    @Test
    void pngRoundTripIsLosslessAndValuesAreDiffusersNormalised() {
        BufferedImage img = randomImage(24, 16, 1);
        Path f = dir.resolve("a.png");
        Images.write(img, f);
        INDArray t = Images.readTensor(f, 8);
        assertEquals(4, t.rank());
        assertEquals(3, t.size(1));
        assertEquals(16, t.size(2));
        assertEquals(24, t.size(3));
        int p = img.getRGB(5, 3);
        assertEquals(2f * (((p >> 16) & 0xff) / 255f) - 1f, t.getFloat(0, 0, 3, 5), 0f);
        assertEquals(2f * ((p & 0xff) / 255f) - 1f, t.getFloat(0, 2, 3, 5), 0f);
        BufferedImage back = Images.fromTensor(t);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 24; x++) assertEquals(img.getRGB(x, y), back.getRGB(x, y));
        assertEquals(1, dir.toFile().list().length, "no temp files left");
    }

    @Test
    void denormalisationClampsAndRoundsHalfToEven() {
        assertEquals(0, Images.byte8(-3f));
        assertEquals(255, Images.byte8(2f));
        assertEquals(128, Images.byte8(0.0f)); // 127.5 -> 128 (even)
        float x = (126.5f / 255f - 0.5f) * 2f; // u*255 = 126.5 (up to float rounding) -> 126 or 127 as numpy would
        int b = Images.byte8(x);
        assertTrue(b == 126 || b == 127);
    }

    @Test
    void clearErrors() throws Exception {
        Images.write(randomImage(20, 16, 2), dir.resolve("odd.png"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Images.readTensor(dir.resolve("odd.png"), 8));
        assertTrue(e.getMessage().contains("odd.png") && e.getMessage().contains("multiples of 8"), e.getMessage());
        Path junk = Files.writeString(dir.resolve("junk.png"), "not an image");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Images.read(junk)).getMessage().contains("junk.png"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Images.read(dir.resolve("none.png")))
                .getMessage().contains("does not exist"));
        assertThrows(IllegalArgumentException.class, () -> Images.write(randomImage(8, 8, 3), dir.resolve("x.tiff")));
    }
}
