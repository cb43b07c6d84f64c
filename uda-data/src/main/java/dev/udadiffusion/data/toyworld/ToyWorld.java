package dev.udadiffusion.data.toyworld;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.data.io.LabelMaps;
import dev.udadiffusion.data.labels.CityscapesClasses;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import java.util.stream.Stream;

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
        Path abs = out.toAbsolutePath().normalize();
        ObjectNode spec = spec(counts);
        Path meta = abs.resolve("toyworld.json");
        try {
            if (Files.exists(abs)) {
                if (Files.isRegularFile(meta)) {
                    ObjectNode old = (ObjectNode) new ObjectMapper().readTree(meta.toFile());
                    // compared as parsed JSON: numbers read back are typed by size, not as written
                    if (old.path("spec").equals(new ObjectMapper().readTree(spec.toString()))) {
                        return new Written(abs, abs.resolve("source"), abs.resolve("target"), true,
                                frequencies(old.path("class_frequency").path("source")),
                                frequencies(old.path("class_frequency").path("target")));
                    }
                    throw new IllegalArgumentException(abs + ": holds a toy world with other parameters ("
                            + old.path("spec") + "); delete it or choose another --out");
                }
                try (Stream<Path> s = Files.list(abs)) {
                    if (s.findAny().isPresent()) {
                        throw new IllegalArgumentException(abs + ": exists and is not an empty folder or a toy world");
                    }
                }
            }
            Path parent = abs.getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempDirectory(parent, "." + abs.getFileName() + ".partial-");
            try {
                long total = (long) counts.source() + counts.targetTrain() + counts.targetVal();
                AtomicInteger done = new AtomicInteger();
                long[] srcPixels = writeSet(tmp, Domain.SOURCE, "train", counts.source(), done, total, listener);
                long[] tgtPixels = writeSet(tmp, Domain.TARGET, "train", counts.targetTrain(), done, total, listener);
                writeSet(tmp, Domain.TARGET, "val", counts.targetVal(), done, total, listener);
                grid(tmp.resolve("source_grid.png"), Domain.SOURCE, "train", Math.min(8, counts.source()));
                grid(tmp.resolve("target_grid.png"), Domain.TARGET, "train", Math.min(8, counts.targetTrain()));
                ObjectNode root = new ObjectMapper().createObjectNode();
                root.set("spec", spec);
                ObjectNode freq = root.putObject("class_frequency");
                double[] sf = normalise(srcPixels);
                double[] tf = normalise(tgtPixels);
                freq.set("source", array(sf));
                freq.set("target", array(tf));
                Files.writeString(tmp.resolve("toyworld.json"),
                        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(root));
                if (Files.exists(abs)) {
                    Files.delete(abs); // the empty folder checked above
                }
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
                return new Written(abs, abs.resolve("source"), abs.resolve("target"), false, sf, tf);
            } catch (RuntimeException | IOException e) {
                deleteTree(tmp);
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(abs + ": " + e.getMessage(), e);
        }
    }

    private ObjectNode spec(Counts counts) {
        ObjectNode s = new ObjectMapper().createObjectNode();
        s.put("version", VERSION);
        s.put("width", width);
        s.put("height", height);
        s.put("seed", seed);
        s.put("source", counts.source());
        s.put("target_train", counts.targetTrain());
        s.put("target_val", counts.targetVal());
        return s;
    }

    /** Renders and writes one set in parallel (samples are independent); returns pixel counts per trainId. */
    private long[] writeSet(Path root, Domain domain, String split, int n, AtomicInteger done, long total, Listener listener)
            throws IOException {
        long[] pixels = new long[CityscapesClasses.COUNT];
        Path imgDir;
        Path lblDir;
        if (domain == Domain.SOURCE) {
            imgDir = root.resolve("source").resolve("images");
            lblDir = root.resolve("source").resolve("labels");
        } else {
            imgDir = root.resolve("target").resolve("leftImg8bit").resolve(split).resolve("toy");
            lblDir = root.resolve("target").resolve("gtFine").resolve(split).resolve("toy");
        }
        Files.createDirectories(imgDir);
        Files.createDirectories(lblDir);
        // a failure is recorded, not thrown, so that forEach returns only after every task has stopped: nothing can
        // still be writing into the temporary folder when the caller deletes it
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        IntStream.range(0, n).parallel().forEach(i -> {
            if (failure.get() != null) {
                return;
            }
            try {
                writeSample(domain, split, i, imgDir, lblDir, pixels, done, total, listener);
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
            }
        });
        if (failure.get() != null) {
            throw failure.get();
        }
        return pixels;
    }

    private void writeSample(Domain domain, String split, int i, Path imgDir, Path lblDir, long[] pixels,
            AtomicInteger done, long total, Listener listener) {
        Sample s = render(domain, split, i);
        int[][] ids = new int[height][width];
        long[] local = new long[CityscapesClasses.COUNT];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int t = s.trainIds()[y][x];
                ids[y][x] = t == CityscapesClasses.IGNORE ? CityscapesClasses.EGO_VEHICLE : CityscapesClasses.LABEL_IDS[t];
                if (t != CityscapesClasses.IGNORE) {
                    local[t]++;
                }
            }
        }
        if (domain == Domain.SOURCE) {
            String stem = String.format("%05d", i);
            Images.write(LabelMaps.grey(ids), lblDir.resolve(stem + ".png"));
            Images.write(s.image(), imgDir.resolve(stem + ".png"));
        } else {
            String stem = "toy_000000_" + String.format("%06d", i);
            Images.write(LabelMaps.grey(ids), lblDir.resolve(stem + "_gtFine_labelIds.png"));
            Images.write(LabelMaps.grey(s.trainIds()), lblDir.resolve(stem + "_gtFine_labelTrainIds.png"));
            Images.write(s.image(), imgDir.resolve(stem + "_leftImg8bit.png"));
        }
        synchronized (pixels) {
            for (int c = 0; c < pixels.length; c++) {
                pixels[c] += local[c];
            }
            if (listener != null) {
                listener.progress(done.incrementAndGet(), total);
            }
        }
    }

    /** Rows of (image | colourised label), enlarged ×2 with nearest neighbour. */
    private void grid(Path file, Domain domain, String split, int rows) {
        int z = 2;
        BufferedImage g = new BufferedImage(2 * width * z + z * 2, rows * (height * z + z), BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < rows; i++) {
            Sample s = render(domain, split, i);
            BufferedImage lbl = LabelMaps.colorize(s.trainIds());
            for (int y = 0; y < height * z; y++) {
                for (int x = 0; x < width * z; x++) {
                    g.setRGB(x, i * (height * z + z) + y, s.image().getRGB(x / z, y / z));
                    g.setRGB(width * z + 2 * z + x, i * (height * z + z) + y, lbl.getRGB(x / z, y / z));
                }
            }
        }
        Images.write(g, file);
    }

    private static double[] normalise(long[] pixels) {
        double sum = 0;
        for (long p : pixels) {
            sum += p;
        }
        double[] f = new double[pixels.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = pixels[i] / Math.max(1, sum);
        }
        return f;
    }

    private static ObjectNode array(double[] f) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        for (int i = 0; i < f.length; i++) {
            o.put(CityscapesClasses.NAMES.get(i), f[i]);
        }
        return o;
    }

    private static double[] frequencies(JsonNode n) {
        double[] f = new double[CityscapesClasses.COUNT];
        for (int i = 0; i < f.length; i++) {
            f[i] = n.path(CityscapesClasses.NAMES.get(i)).asDouble();
        }
        return f;
    }

    private static void deleteTree(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // best effort: the folder is a hidden temporary either way
        }
    }
}
