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

    /**
     * mask | one image per column, each cell enlarged {@code scale}× (nearest neighbour, so a small image's pixels stay
     * sharp): how two generators are shown side by side on the same masks.
     */
    public static void writeColumns(Path file, List<int[][]> masks, List<List<BufferedImage>> columns, int scale) {
        if (scale < 1) {
            throw new IllegalArgumentException("scale must be at least 1: " + scale);
        }
        for (List<BufferedImage> col : columns) {
            if (col.size() != masks.size()) {
                throw new IllegalArgumentException(masks.size() + " masks but a column of " + col.size() + " images");
            }
        }
        int w = masks.get(0)[0].length * scale;
        int h = masks.get(0).length * scale;
        int gap = 4;
        int cols = columns.size() + 1;
        BufferedImage g = new BufferedImage(cols * w + (cols - 1) * gap, masks.size() * (h + gap), BufferedImage.TYPE_INT_RGB);
        for (int r = 0; r < masks.size(); r++) {
            List<BufferedImage> row = new java.util.ArrayList<>();
            row.add(LabelMaps.colorize(masks.get(r)));
            for (List<BufferedImage> col : columns) {
                row.add(col.get(r));
            }
            for (int c = 0; c < row.size(); c++) {
                BufferedImage img = row.get(c);
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        g.setRGB(c * (w + gap) + x, r * (h + gap) + y,
                                img.getRGB(Math.min(x / scale, img.getWidth() - 1), Math.min(y / scale, img.getHeight() - 1)));
                    }
                }
            }
        }
        Images.write(g, file);
    }
}
