package dev.udadiffusion.controlnet.generate;

import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.data.io.LabelMaps;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

/** Rows of (colourised mask | generated image | overlay at 50 %), for a quick look at alignment. */
public final class SampleGrid {

    private SampleGrid() {
    }

    public static void write(Path file, List<int[][]> masks, List<BufferedImage> images) {
        write(file, masks, null, images);
    }

    /**
     * mask | source image | generated image | overlay per row (the source column is left out when {@code sources} is
     * null) — how the demo shows what the U-Net swap changed.
     */
    public static void write(Path file, List<int[][]> masks, List<BufferedImage> sources, List<BufferedImage> images) {
        int w = images.get(0).getWidth();
        int h = images.get(0).getHeight();
        int gap = 2;
        int cols = sources == null ? 3 : 4;
        BufferedImage g = new BufferedImage(cols * w + (cols - 1) * gap, masks.size() * (h + gap), BufferedImage.TYPE_INT_RGB);
        for (int r = 0; r < masks.size(); r++) {
            BufferedImage m = LabelMaps.colorize(masks.get(r));
            BufferedImage img = images.get(r);
            BufferedImage src = sources == null ? null : sources.get(r);
            int oy = r * (h + gap);
            int c = 0;
            for (BufferedImage col : sources == null ? List.of(m, img) : List.of(m, src, img)) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        g.setRGB(c * (w + gap) + x, oy + y, col.getRGB(Math.min(x, col.getWidth() - 1), Math.min(y, col.getHeight() - 1)));
                    }
                }
                c++;
            }
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int a = m.getRGB(x, y);
                    int b = img.getRGB(x, y);
                    int mix = 0;
                    for (int s = 16; s >= 0; s -= 8) {
                        mix |= ((((a >> s) & 255) + ((b >> s) & 255)) / 2) << s;
                    }
                    g.setRGB(c * (w + gap) + x, oy + y, mix);
                }
            }
        }
        Images.write(g, file);
    }
}
