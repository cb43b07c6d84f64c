package dev.udadiffusion.data.style;

import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.io.LabelMaps;
import dev.udadiffusion.data.io.Sample;
import dev.udadiffusion.data.labels.CityscapesClasses;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * A set's style as the mean colour of each class: mean RGB (0–255) over the pixels its labels give each trainId, with
 * the pixel count. Two sets of the same classes rendered in different domains differ in these colours, so
 * {@link #distanceTo} measures how far generated images are from a domain's look (thesis §5.1's style, made a number:
 * the toy world's domains differ in their class palettes).
 */
public final class ClassPalette {

    private final double[][] rgb;
    private final long[] pixels;

    private ClassPalette(double[][] rgb, long[] pixels) {
        this.rgb = rgb;
        this.pixels = pixels;
    }

    /** The palette of images and their trainId masks (same sizes, pairwise); ignore (255) and ids ≥ 19 are skipped. */
    public static ClassPalette of(List<BufferedImage> images, List<int[][]> trainIds) {
        if (images.size() != trainIds.size()) {
            throw new IllegalArgumentException(images.size() + " images but " + trainIds.size() + " masks");
        }
        int n = CityscapesClasses.COUNT;
        double[][] sum = new double[n][3];
        long[] count = new long[n];
        for (int i = 0; i < images.size(); i++) {
            add(images.get(i), trainIds.get(i), sum, count, "image " + i);
        }
        return finish(sum, count);
    }

    /** The palette of a labeled set, read from its files (labels through the set's mapping). */
    public static ClassPalette of(Datasets.Listing set) {
        int n = CityscapesClasses.COUNT;
        double[][] sum = new double[n][3];
        long[] count = new long[n];
        for (Sample s : set.samples()) {
            add(Images.read(s.image()), LabelMaps.readTrainIds(s, set.mapping(), set.unknownToIgnore()), sum, count,
                    s.image().toString());
        }
        return finish(sum, count);
    }

    private static void add(BufferedImage img, int[][] m, double[][] sum, long[] count, String what) {
        if (m.length != img.getHeight() || m[0].length != img.getWidth()) {
            throw new IllegalArgumentException(what + ": image " + img.getWidth() + "x" + img.getHeight() + " but mask "
                    + m[0].length + "x" + m.length);
        }
        for (int y = 0; y < m.length; y++) {
            for (int x = 0; x < m[y].length; x++) {
                int c = m[y][x];
                if (c >= 0 && c < count.length) {
                    int p = img.getRGB(x, y);
                    sum[c][0] += (p >> 16) & 255;
                    sum[c][1] += (p >> 8) & 255;
                    sum[c][2] += p & 255;
                    count[c]++;
                }
            }
        }
    }

    private static ClassPalette finish(double[][] sum, long[] count) {
        for (int c = 0; c < count.length; c++) {
            for (int k = 0; k < 3 && count[c] > 0; k++) {
                sum[c][k] /= count[c];
            }
        }
        return new ClassPalette(sum, count);
    }

    /** Mean {r, g, b} of class {@code trainId} (zeros when the set has none of it). */
    public double[] rgb(int trainId) {
        return rgb[trainId].clone();
    }

    /** Pixels of class {@code trainId}. */
    public long pixels(int trainId) {
        return pixels[trainId];
    }

    /**
     * Euclidean RGB distance of this palette's class colours to {@code reference}'s, averaged over this set's pixels of
     * the classes both have (a class this set draws often weighs more). NaN when they share no class.
     */
    public double distanceTo(ClassPalette reference) {
        double sum = 0;
        double w = 0;
        for (int c = 0; c < pixels.length; c++) {
            if (pixels[c] > 0 && reference.pixels[c] > 0) {
                double dr = rgb[c][0] - reference.rgb[c][0];
                double dg = rgb[c][1] - reference.rgb[c][1];
                double db = rgb[c][2] - reference.rgb[c][2];
                sum += pixels[c] * Math.sqrt(dr * dr + dg * dg + db * db);
                w += pixels[c];
            }
        }
        return w == 0 ? Double.NaN : sum / w;
    }
}
