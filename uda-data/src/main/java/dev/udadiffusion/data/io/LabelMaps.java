package dev.udadiffusion.data.io;

import dev.udadiffusion.core.errors.DataException;
import dev.udadiffusion.data.labels.CityscapesClasses;
import dev.udadiffusion.data.labels.LabelMapping;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Reading label PNGs: raw sample values (palette indices for 'P' images, grey values for 'L'), never the colours. */
public final class LabelMaps {

    private LabelMaps() {
    }

    /**
     * The raw label values [H][W] of a single-channel image (8- or 16-bit grey, or palette). Every command reads labels
     * through here, so one policy holds: an RGB or grey+alpha image is an error (it used to be read as its first
     * channel), as are unreadable, truncated and empty files; each error names the file.
     */
    public static int[][] read(Path png) {
        if (!Files.isRegularFile(png)) {
            throw new DataException(png, "label file does not exist");
        }
        BufferedImage img;
        try {
            img = ImageIO.read(png.toFile());
        } catch (IOException e) {
            throw new DataException(png, "unreadable or truncated label map (" + e.getMessage() + ")", e);
        }
        if (img == null) {
            throw new DataException(png, png.toFile().length() == 0 ? "empty file, not a label map"
                    : "not a label map in a supported image format (PNG)");
        }
        Raster r = img.getRaster();
        if (r.getNumBands() != 1) {
            throw new DataException(png, "label map has " + r.getNumBands() + " channels ("
                    + (r.getNumBands() >= 3 ? "RGB" : "grey + alpha") + "); expected one channel of ids: an 8- or 16-bit "
                    + "grey or palette PNG");
        }
        int[][] m = new int[img.getHeight()][img.getWidth()];
        for (int y = 0; y < m.length; y++) {
            r.getSamples(0, y, m[y].length, 1, 0, m[y]);
        }
        return m;
    }

    /** Reads a label and maps it to trainIds (when it is not already trainIds). */
    public static int[][] readTrainIds(Sample s, LabelMapping mapping, boolean unknownToIgnore) {
        int[][] m = read(s.label());
        if (s.resizesLabel()) {
            m = resizeNearest(m, s.resizeWidth(), s.resizeHeight());
        }
        if (s.labelIsTrainIds()) {
            for (int y = 0; y < m.length; y++) {
                for (int x = 0; x < m[y].length; x++) {
                    int v = m[y][x];
                    if (v > 18 && v != 255) {
                        if (!unknownToIgnore) {
                            throw new DataException(s.label(), "value " + v + " at (x=" + x + ", y=" + y
                                    + ") is not a trainId (0-18, 255)");
                        }
                        m[y][x] = 255;
                    }
                }
            }
            return m;
        }
        mapping.apply(m, s.label().toString(), unknownToIgnore);
        return m;
    }

    /** Nearest-neighbour resize of a label map to w×h (pixel centres, as PIL's NEAREST). */
    public static int[][] resizeNearest(int[][] m, int w, int h) {
        int sh = m.length;
        int sw = m[0].length;
        int[][] out = new int[h][w];
        for (int y = 0; y < h; y++) {
            int sy = Math.min(sh - 1, (int) ((y + 0.5) * sh / h));
            for (int x = 0; x < w; x++) {
                out[y][x] = m[sy][Math.min(sw - 1, (int) ((x + 0.5) * sw / w))];
            }
        }
        return out;
    }

    /** A single-channel 8-bit image of label values 0–255 (trainIds or labelIds, as given). */
    public static BufferedImage grey(int[][] values) {
        int h = values.length;
        int w = values[0].length;
        BufferedImage g = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = values[y][x];
                if (v < 0 || v > 255) {
                    throw new IllegalArgumentException("label value " + v + " at (x=" + x + ", y=" + y + ") does not fit a byte");
                }
                g.getRaster().setSample(x, y, 0, v);
            }
        }
        return g;
    }

    /** trainIds in the Cityscapes palette; ignore (and anything else outside 0–18) is black. */
    public static BufferedImage colorize(int[][] trainIds) {
        int h = trainIds.length;
        int w = trainIds[0].length;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int t = trainIds[y][x];
                if (t >= 0 && t < CityscapesClasses.COUNT) {
                    int[] c = CityscapesClasses.COLORS[t];
                    img.setRGB(x, y, (c[0] << 16) | (c[1] << 8) | c[2]);
                }
            }
        }
        return img;
    }
}
