package dev.udadiffusion.data.style;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClassPaletteTest {

    private static BufferedImage image(int... rgb) {
        BufferedImage img = new BufferedImage(rgb.length, 1, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < rgb.length; x++) {
            img.setRGB(x, 0, rgb[x]);
        }
        return img;
    }

    /** Means per class over labeled pixels, ignore skipped; the distance weighs classes by this set's pixels. */
    @Test
    void meanColoursAndPixelWeightedDistance() {
        // class 0: pure red and black → (127.5, 0, 0); class 1: blue; the last pixel is ignore
        ClassPalette a = ClassPalette.of(List.of(image(0xFF0000, 0x000000, 0x0000FF, 0xFFFFFF)),
                List.<int[][]>of(new int[][] {{0, 0, 1, 255}}));
        assertArrayEquals(new double[] {127.5, 0, 0}, a.rgb(0), 1e-12);
        assertArrayEquals(new double[] {0, 0, 255}, a.rgb(1), 1e-12);
        assertEquals(2, a.pixels(0));
        assertEquals(0, a.pixels(2));
        // reference: class 0 black, class 1 blue, class 2 only in the reference (ignored: not in a)
        ClassPalette ref = ClassPalette.of(List.of(image(0x000000, 0x0000FF, 0x00FF00)), List.<int[][]>of(new int[][] {{0, 1, 2}}));
        // (2 px × 127.5 + 1 px × 0) / 3 px
        assertEquals(85.0, a.distanceTo(ref), 1e-12);
        assertEquals(0.0, a.distanceTo(a), 0);
        assertTrue(Double.isNaN(ClassPalette.of(List.of(image(0)), List.<int[][]>of(new int[][] {{3}})).distanceTo(ref)));
    }

    @Test
    void mismatchedSizesAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClassPalette.of(List.of(image(0, 0)), List.<int[][]>of(new int[][] {{0}})));
        assertTrue(e.getMessage().contains("image 0: image 2x1 but mask 1x1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ClassPalette.of(List.of(image(0)), List.<int[][]>of()));
    }
}
