package dev.udadiffusion.controlnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class AdePaletteTest {

    @Test
    void paletteAndMappingAsTheModelCardAndMmsegDefineThem() {
        assertEquals(150, AdePalette.classes());
        assertArrayEquals(new int[] {120, 120, 120}, AdePalette.color(0)); // wall
        assertArrayEquals(new int[] {140, 140, 140}, AdePalette.color(6)); // road
        assertArrayEquals(new int[] {0, 102, 200}, AdePalette.color(20)); // car
        assertArrayEquals(new int[] {92, 0, 255}, AdePalette.color(149)); // flag, the last entry
        INDArray img = AdePalette.conditioning(new int[][] {{0, 13, 255}});
        assertEquals(140 / 255f, img.getFloat(0, 0, 0, 0), 0); // road
        assertEquals(200 / 255f, img.getFloat(0, 2, 0, 1), 0); // car, blue channel
        assertEquals(0f, img.getFloat(0, 1, 0, 2), 0); // ignore is black
    }
}
