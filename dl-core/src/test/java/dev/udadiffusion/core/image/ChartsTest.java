package dev.udadiffusion.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartsTest {

    @TempDir
    Path dir;

    @Test
    void barChartDrawsTallerBarsForLargerValuesInTheirColours() throws Exception {
        Path png = dir.resolve("bars.png");
        BarChart.write(png, "freq", List.of("road", "car"), new double[] {0.5, 0.05},
                new int[][] {{128, 64, 128}, {0, 0, 142}}, false);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(70 + 2 * 36 + 30, img.getWidth());
        int bottom = 460 - 120 - 2; // just above the axis
        assertEquals(0x804080, img.getRGB(70 + 18, bottom) & 0xFFFFFF); // road bar
        assertEquals(0x00008E, img.getRGB(70 + 36 + 18, bottom) & 0xFFFFFF); // car bar
        int high = 60; // near the top: only the larger bar reaches it
        assertEquals(0x804080, img.getRGB(70 + 18, high) & 0xFFFFFF);
        assertEquals(0xFFFFFF, img.getRGB(70 + 36 + 18, high) & 0xFFFFFF);
    }

    @Test
    void lossPlotWritesAnImageWithTheCurve() throws Exception {
        Path png = dir.resolve("loss.png");
        LossPlot.write(List.of(new double[] {1, 1.0}, new double[] {2, 0.5}, new double[] {3, 0.25}), png, "loss");
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(800, img.getWidth());
        assertEquals(450, img.getHeight());
        boolean drawn = false;
        for (int x = 75; x < 775 && !drawn; x++) {
            for (int y = 45; y < 395 && !drawn; y++) {
                drawn = (img.getRGB(x, y) & 0xFFFFFF) != 0xFFFFFF;
            }
        }
        assertNotEquals(false, drawn, "no curve inside the axes");
    }

    @Test
    void lineChartPlacesPointsOnEvenlySpacedPositionsAndSkipsMissingOnes() throws Exception {
        Path png = dir.resolve("lines.png");
        LineChart.write(png, "mIoU", "share", "mIoU (%)", List.of("0 %", "100 %"), List.of(
                new LineChart.Series("alone", new double[] {Double.NaN, 50}, new double[] {Double.NaN, 0}),
                new LineChart.Series("with generated", new double[] {10, 20}, new double[] {1, 1})));
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(760, img.getWidth());
        assertEquals(480, img.getHeight());
        // plot 80..730 × 50..400, y up to 50 (the largest mean + std); x positions at 1/4 and 3/4 of the width
        assertEquals(0x2864BE, img.getRGB(568, 52) & 0xFFFFFF); // "alone" at 100 %: 50, the top
        assertEquals(0xDC6E1E, img.getRGB(243, 330) & 0xFFFFFF); // "with generated" at 0 %: 10
        assertEquals(0xDC6E1E, img.getRGB(568, 260) & 0xFFFFFF); // and at 100 %: 20
        assertEquals(0xFFFFFF, img.getRGB(243, 130) & 0xFFFFFF); // no "alone" point at 0 % (between grid lines)
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> LineChart.write(png, "t", "x",
                "y", List.of("a"), List.of(new LineChart.Series("s", new double[] {1, 2}, new double[] {0, 0}))));
    }
}
