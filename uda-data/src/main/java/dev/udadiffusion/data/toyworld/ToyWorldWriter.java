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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** Writes a {@link ToyWorld} to disk: both domains' sets, sample grids and {@code toyworld.json}, atomically. */
final class ToyWorldWriter {

    private final ToyWorld world;
    private final int width;
    private final int height;

    ToyWorldWriter(ToyWorld world) {
        this.world = world;
        this.width = world.width();
        this.height = world.height();
    }

    ToyWorld.Written write(Path out, ToyWorld.Counts counts, ToyWorld.Listener listener) {
        Path abs = out.toAbsolutePath().normalize();
        ObjectNode spec = spec(counts);
        Path meta = abs.resolve("toyworld.json");
        try {
            if (Files.exists(abs)) {
                if (Files.isRegularFile(meta)) {
                    ObjectNode old = (ObjectNode) new ObjectMapper().readTree(meta.toFile());
                    // compared as parsed JSON: numbers read back are typed by size, not as written
                    if (old.path("spec").equals(new ObjectMapper().readTree(spec.toString()))) {
                        return new ToyWorld.Written(abs, abs.resolve("source"), abs.resolve("target"), true,
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
                long[] srcPixels = writeSet(tmp, ToyWorld.Domain.SOURCE, "train", counts.source(), done, total, listener);
                long[] tgtPixels = writeSet(tmp, ToyWorld.Domain.TARGET, "train", counts.targetTrain(), done, total, listener);
                writeSet(tmp, ToyWorld.Domain.TARGET, "val", counts.targetVal(), done, total, listener);
                grid(tmp.resolve("source_grid.png"), ToyWorld.Domain.SOURCE, "train", Math.min(8, counts.source()));
                grid(tmp.resolve("target_grid.png"), ToyWorld.Domain.TARGET, "train", Math.min(8, counts.targetTrain()));
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
                return new ToyWorld.Written(abs, abs.resolve("source"), abs.resolve("target"), false, sf, tf);
            } catch (RuntimeException | IOException e) {
                deleteTree(tmp);
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(abs + ": " + e.getMessage(), e);
        }
    }

    private ObjectNode spec(ToyWorld.Counts counts) {
        ObjectNode s = new ObjectMapper().createObjectNode();
        s.put("version", ToyWorld.VERSION);
        s.put("width", world.width());
        s.put("height", world.height());
        s.put("seed", world.seed());
        s.put("source", counts.source());
        s.put("target_train", counts.targetTrain());
        s.put("target_val", counts.targetVal());
        return s;
    }

    /** Renders and writes one set in parallel (samples are independent); returns pixel counts per trainId. */
    private long[] writeSet(Path root, ToyWorld.Domain domain, String split, int n, AtomicInteger done, long total, ToyWorld.Listener listener)
            throws IOException {
        long[] pixels = new long[CityscapesClasses.COUNT];
        Path imgDir;
        Path lblDir;
        if (domain == ToyWorld.Domain.SOURCE) {
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

    private void writeSample(ToyWorld.Domain domain, String split, int i, Path imgDir, Path lblDir, long[] pixels,
            AtomicInteger done, long total, ToyWorld.Listener listener) {
        ToyWorld.Sample s = world.render(domain, split, i);
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
        if (domain == ToyWorld.Domain.SOURCE) {
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
    private void grid(Path file, ToyWorld.Domain domain, String split, int rows) {
        int z = 2;
        BufferedImage g = new BufferedImage(2 * width * z + z * 2, rows * (height * z + z), BufferedImage.TYPE_INT_RGB);
        for (int i = 0; i < rows; i++) {
            ToyWorld.Sample s = world.render(domain, split, i);
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
