package dev.udadiffusion.data.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.data.labels.CityscapesClasses;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Writes generated image–label pairs in the Cityscapes layout — {@code leftImg8bit/SPLIT/CITY/CITY_ID_leftImg8bit.png},
 * {@code gtFine/SPLIT/CITY/CITY_ID_gtFine_labelTrainIds.png} and {@code _labelIds.png} — so that our reader and
 * mmseg/DAFormer read the set unchanged. Each file appears atomically (temp + move; labels first, image last), and a
 * sample counts as done only once its line is in {@code manifest.jsonl} (appended and forced to disk). After a crash,
 * {@link #isDone} tells a resumed run what to skip; an unfinished sample is simply rewritten under the same id, so
 * nothing is lost or duplicated. A torn last manifest line (crash during the append) is ignored.
 */
public final class CityscapesWriter {

    /** trainId → Cityscapes labelId (255 → 0 "unlabeled"). */
    private static final int[] TRAIN_TO_ID = CityscapesClasses.LABEL_IDS;

    private final Path root;
    private final String split;
    private final String city;
    private final Path manifest;
    private final Set<String> done = new LinkedHashSet<>();

    public CityscapesWriter(Path root, String split, String city) {
        this.root = root;
        this.split = split;
        this.city = city;
        this.manifest = root.resolve("manifest.jsonl");
        try {
            Files.createDirectories(root.resolve("leftImg8bit").resolve(split).resolve(city));
            Files.createDirectories(root.resolve("gtFine").resolve(split).resolve(city));
            if (Files.isRegularFile(manifest)) {
                byte[] all = Files.readAllBytes(manifest);
                if (all.length > 0 && all[all.length - 1] != '\n') {
                    // a crash cut the last line: end it, so the next append starts a line of its own
                    Files.write(manifest, new byte[] {'\n'}, StandardOpenOption.APPEND);
                }
                ObjectMapper om = new ObjectMapper();
                for (String line : Files.readAllLines(manifest, StandardCharsets.UTF_8)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    try {
                        JsonNode n = om.readTree(line);
                        if (n.path("id").isTextual()) {
                            done.add(n.get("id").asText());
                        }
                    } catch (IOException torn) {
                        // a line cut by a crash during the append: that sample is not done
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(root + ": " + e.getMessage(), e);
        }
    }

    /** Whether sample {@code id} was completely written by this or an earlier run. */
    public boolean isDone(String id) {
        return done.contains(id);
    }

    public int completed() {
        return done.size();
    }

    /** Ids look like Cityscapes' {@code SEQ_FRAME}: {@code 000000_000042} for sample 42. */
    public static String id(long index) {
        return String.format("%06d_%06d", index / 1_000_000, index % 1_000_000);
    }

    /**
     * Writes one sample: the image, its trainId map (0–18, 255) as labelTrainIds and labelIds, then the manifest line
     * with {@code meta} (source mask, seed, prompt, model ids …).
     */
    public void write(String id, BufferedImage image, int[][] trainIds, Map<String, String> meta) {
        if (trainIds.length != image.getHeight() || trainIds[0].length != image.getWidth()) {
            throw new IllegalArgumentException(id + ": label " + trainIds[0].length + "x" + trainIds.length
                    + " does not match image " + image.getWidth() + "x" + image.getHeight());
        }
        String stem = city + "_" + id;
        Path img = root.resolve("leftImg8bit").resolve(split).resolve(city).resolve(stem + "_leftImg8bit.png");
        Path lt = root.resolve("gtFine").resolve(split).resolve(city).resolve(stem + "_gtFine_labelTrainIds.png");
        Path li = root.resolve("gtFine").resolve(split).resolve(city).resolve(stem + "_gtFine_labelIds.png");
        Images.write(grey(trainIds, false), lt);
        Images.write(grey(trainIds, true), li);
        Images.write(image, img);
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("id", id);
        n.put("image", root.relativize(img).toString());
        n.put("label", root.relativize(lt).toString());
        meta.forEach(n::put);
        appendLine(n.toString());
        done.add(id);
    }

    private void appendLine(String line) {
        try (FileChannel ch = FileChannel.open(manifest, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        } catch (IOException e) {
            throw new UncheckedIOException(manifest + ": " + e.getMessage(), e);
        }
    }

    private static BufferedImage grey(int[][] trainIds, boolean asLabelIds) {
        int[][] v = new int[trainIds.length][];
        for (int y = 0; y < trainIds.length; y++) {
            v[y] = trainIds[y].clone();
            for (int x = 0; x < v[y].length; x++) {
                int t = v[y][x];
                if ((t < 0 || t > 18) && t != 255) {
                    throw new IllegalArgumentException("label " + t + " at (x=" + x + ", y=" + y + ") is not a trainId");
                }
                if (asLabelIds) {
                    v[y][x] = t == 255 ? 0 : TRAIN_TO_ID[t];
                }
            }
        }
        return LabelMaps.grey(v);
    }
}
