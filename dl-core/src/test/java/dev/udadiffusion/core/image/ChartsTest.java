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
}
