package dev.udadiffusion.data.toyworld;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A procedural toy world with the two domains of the thesis's problem: a "game" source (flat, saturated, hard-edged)
 * and a "real" target (muted hues, textures, blur, vignetting, noise, other layout statistics) over the same street
 * scene grammar with all 19 Cityscapes classes and an ego-vehicle hood labelled ignore. Every sample is a pure
 * function of (seed, domain, split, index), so sets of any size are reproducible byte for byte and can be generated in
 * parallel or in parts.
 */
public final class ToyWorld {

    /** Bumped whenever the renderer's output changes, so an old folder is not mistaken for a current one. */
    public static final int VERSION = 1;

    public enum Domain {
        SOURCE(Layout.SOURCE, new GameStyle()), TARGET(Layout.TARGET, new RealStyle());

        private final Layout layout;
        private final Style style;

        Domain(Layout layout, Style style) {
            this.layout = layout;
            this.style = style;
        }

        public Layout layout() {
            return layout;
        }
    }

    /** One rendered sample: the RGB image and its trainIds (0–18, 255 for the hood). */
    public record Sample(BufferedImage image, int[][] trainIds, Scene scene) {
    }

    /** How many samples a written world holds. */
    public record Counts(int source, int targetTrain, int targetVal) {
        public static final Counts DEFAULT = new Counts(1500, 1500, 300);

        public Counts {
            if (source < 1 || targetTrain < 1 || targetVal < 1) {
                throw new IllegalArgumentException("every set needs at least one sample: " + source + "/" + targetTrain
                        + "/" + targetVal);
            }
        }
    }

    /** Progress of {@link #write}: samples done of total. */
    @FunctionalInterface
    public interface Listener {
        void progress(long done, long total);
    }

    private final int width;
    private final int height;
    private final long seed;

    /** A world of {@code width}×{@code height} images (default 128×64, Cityscapes' 2:1). */
    public ToyWorld(int width, int height, long seed) {
        if (width < 32 || height < 16 || width > 4096 || height > 4096) {
            throw new IllegalArgumentException("toy world size " + width + "x" + height + " is outside 32x16 … 4096x4096");
        }
        if (width < height || width > 4 * height) {
            throw new IllegalArgumentException("toy world size " + width + "x" + height
                    + ": the street camera needs a landscape aspect ratio between 1:1 and 4:1");
        }
        this.width = width;
        this.height = height;
        this.seed = seed;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public long seed() {
        return seed;
    }

    /** Sample {@code index} of {@code split} in {@code domain}. */
    public Sample render(Domain domain, String split, int index) {
        SplittableRandom r = new SplittableRandom(mix(mix(mix(seed, domain.ordinal() + 1), split.hashCode()), index));
        Scene scene = Scene.generate(domain.layout, width / (double) height, r);
        int[][] owner = raster(scene, width, height);
        float[][][] rgb = domain.style.paint(scene, owner, r);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[][] labels = new int[height][width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                img.setRGB(x, y, (unit8(rgb[0][y][x]) << 16) | (unit8(rgb[1][y][x]) << 8) | unit8(rgb[2][y][x]));
                labels[y][x] = scene.shapes().get(owner[y][x]).trainId();
            }
        }
        return new Sample(img, labels, scene);
    }

    private static int unit8(float v) {
        return (int) Math.rint(Math.min(1f, Math.max(0f, v)) * 255f);
    }

    /** For every pixel centre, the index of the last (top-most) shape containing it. */
    static int[][] raster(Scene scene, int w, int h) {
        int[][] owner = new int[h][w];
        var shapes = scene.shapes();
        for (int y = 0; y < h; y++) {
            double sy = (y + 0.5) / h;
            for (int x = 0; x < w; x++) {
                double sx = (x + 0.5) / h;
                int k = shapes.size() - 1;
                while (k > 0 && !hits(shapes.get(k), sx, sy)) {
                    k--;
                }
                owner[y][x] = k; // shape 0 (the sky) is the backdrop
            }
        }
        return owner;
    }

    private static boolean hits(Shape s, double x, double y) {
        return x >= s.minX() && x <= s.maxX() && y >= s.minY() && y <= s.maxY() && s.contains(x, y);
    }

    private static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** What {@link #write} produced. */
    public record Written(Path root, Path source, Path target, boolean reused, double[] sourceFrequency,
            double[] targetFrequency) {
    }

    /**
     * Writes the world under {@code out}: {@code source/} in the GTA5 layout ({@code images/NNNNN.png},
     * {@code labels/NNNNN.png} with Cityscapes labelIds, the hood as "ego vehicle"), {@code target/} in the Cityscapes
     * layout ({@code leftImg8bit/{train,val}/toy/…}, {@code gtFine/…_labelIds.png} and {@code _labelTrainIds.png}),
     * sample grids (image | colourised label) per domain, and {@code toyworld.json} (parameters and class
     * frequencies). Everything is written to a temporary sibling folder that is moved into place at the end, so
     * {@code out} is either complete or absent. An existing {@code out} from the same parameters is reused as is;
     * anything else there is refused.
     */
    public Written write(Path out, Counts counts, Listener listener) {
        return new ToyWorldWriter(this).write(out, counts, listener);
    }
}
