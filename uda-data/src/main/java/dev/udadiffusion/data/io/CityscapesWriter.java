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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes generated image–label pairs in the Cityscapes layout — {@code leftImg8bit/SPLIT/CITY/CITY_ID_leftImg8bit.png},
 * {@code gtFine/SPLIT/CITY/CITY_ID_gtFine_labelTrainIds.png} and {@code _labelIds.png} — so that our reader and
 * mmseg/DAFormer read the set unchanged. Each file appears atomically (temp + move; labels first, image last), and a
 * sample counts as done only once its line is in {@code manifest.jsonl} (appended and forced to disk). After a crash,
 * {@link #isDone} tells a resumed run what to skip; an unfinished sample is simply rewritten under the same id, so
 * nothing is lost or duplicated. A torn last manifest line (crash during the append) is ignored. Each line carries
 * {@code files_sha256}, the SHA-256 of the sample's three files (image, labelTrainIds, labelIds, in that order): a sample
 * whose files were later damaged or removed does not count as done, so it is written again.
 *
 * <p>Several writers may share one folder (one per Spark task): each appends to a manifest of its own and counts as done
 * what any of the manifests it is given lists; the lines are merged later ({@code spark} module).
 */
public final class CityscapesWriter implements SampleSink {

    /** trainId → Cityscapes labelId (255 → 0 "unlabeled"). */
    private static final int[] TRAIN_TO_ID = CityscapesClasses.LABEL_IDS;

    private final Path root;
    private final String split;
    private final String city;
    private final Path manifest;
    /** id → files_sha256 of the listed samples ("" for lines written before fingerprints existed). */
    private final Map<String, String> listed = new LinkedHashMap<>();

    /** A writer whose manifest is {@code root/manifest.jsonl}. */
    public CityscapesWriter(Path root, String split, String city) {
        this(root, split, city, root.resolve("manifest.jsonl"), List.of());
    }

    /**
     * A writer appending to {@code manifest} that also counts as done the samples listed in {@code alsoDone} (other
     * writers' manifests; missing files are skipped).
     */
    public CityscapesWriter(Path root, String split, String city, Path manifest, List<Path> alsoDone) {
        this.root = root;
        this.split = split;
        this.city = city;
        this.manifest = manifest;
        try {
            Files.createDirectories(root.resolve("leftImg8bit").resolve(split).resolve(city));
            Files.createDirectories(root.resolve("gtFine").resolve(split).resolve(city));
            Files.createDirectories(manifest.toAbsolutePath().getParent());
            if (Files.isRegularFile(manifest)) {
                byte[] all = Files.readAllBytes(manifest);
                if (all.length > 0 && all[all.length - 1] != '\n') {
                    // a crash cut the last line: end it, so the next append starts a line of its own
                    Files.write(manifest, new byte[] {'\n'}, StandardOpenOption.APPEND);
                }
            }
            List<Path> all = new ArrayList<>(alsoDone);
            all.add(manifest);
            for (Path m : all) {
                for (JsonNode n : readManifest(m).values()) {
                    listed.put(n.get("id").asText(), n.path("files_sha256").asText(""));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(root + ": " + e.getMessage(), e);
        }
    }

    /**
     * The valid lines of a manifest by id, in file order (a missing file has none; blank and torn lines are skipped; a
     * later line for the same id replaces the earlier one).
     */
    public static Map<String, JsonNode> readManifest(Path file) {
        Map<String, JsonNode> lines = new LinkedHashMap<>();
        if (!Files.isRegularFile(file)) {
            return lines;
        }
        ObjectMapper om = new ObjectMapper();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    JsonNode n = om.readTree(line);
                    if (n != null && n.path("id").isTextual()) {
                        lines.put(n.get("id").asText(), n);
                    }
                } catch (IOException torn) {
                    // a line cut by a crash during the append: that sample is not done
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        return lines;
    }

    /**
     * Whether sample {@code id} was completely written by this or an earlier run: listed in a manifest, and its files
     * still hash to the listed fingerprint.
     */
    @Override
    public boolean isDone(String id) {
        String sha = listed.get(id);
        if (sha == null) {
            return false;
        }
        if (sha.isEmpty()) {
            return true;
        }
        Path[] f = files(id);
        return Files.isRegularFile(f[0]) && Files.isRegularFile(f[1]) && Files.isRegularFile(f[2]) && sha.equals(sha256(f));
    }

    /** Samples listed as done (their files are checked by {@link #isDone}). */
    public int completed() {
        return listed.size();
    }

    /** The image, labelTrainIds and labelIds files of sample {@code id}. */
    public Path[] files(String id) {
        String stem = city + "_" + id;
        Path labels = root.resolve("gtFine").resolve(split).resolve(city);
        return new Path[] {root.resolve("leftImg8bit").resolve(split).resolve(city).resolve(stem + "_leftImg8bit.png"),
            labels.resolve(stem + "_gtFine_labelTrainIds.png"), labels.resolve(stem + "_gtFine_labelIds.png")};
    }

    /** SHA-256 (hex) of the files' bytes, one after the other. */
    public static String sha256(Path... files) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (Path f : files) {
                d.update(Files.readAllBytes(f));
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Ids look like Cityscapes' {@code SEQ_FRAME}: {@code 000000_000042} for sample 42. */
    public static String id(long index) {
        return String.format("%06d_%06d", index / 1_000_000, index % 1_000_000);
    }

    /**
     * Writes one sample: the image, its trainId map (0–18, 255) as labelTrainIds and labelIds, then the manifest line
     * with {@code meta} (source mask, seed, prompt, model ids …).
     */
    @Override
    public void write(String id, BufferedImage image, int[][] trainIds, Map<String, String> meta) {
        if (trainIds.length != image.getHeight() || trainIds[0].length != image.getWidth()) {
            throw new IllegalArgumentException(id + ": label " + trainIds[0].length + "x" + trainIds.length
                    + " does not match image " + image.getWidth() + "x" + image.getHeight());
        }
        Path[] f = files(id);
        Images.write(grey(trainIds, false), f[1]);
        Images.write(grey(trainIds, true), f[2]);
        Images.write(image, f[0]);
        String sha = sha256(f);
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("id", id);
        n.put("image", root.relativize(f[0]).toString());
        n.put("label", root.relativize(f[1]).toString());
        meta.forEach(n::put);
        n.put("files_sha256", sha);
        appendLine(n.toString());
        listed.put(id, sha);
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
