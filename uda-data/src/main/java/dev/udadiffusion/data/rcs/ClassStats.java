package dev.udadiffusion.data.rcs;

import dev.udadiffusion.core.io.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.udadiffusion.data.labels.CityscapesClasses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Per-file pixel counts per trainId on full-resolution labels, as DAFormer's {@code save_class_stats} writes them
 * ({@code sample_class_stats.json}: a list of {"0": count, …, "file": path}, counts &gt; 0 only).
 */
public record ClassStats(String file, long[] counts) implements java.io.Serializable {

    public ClassStats {
        counts = counts.clone();
    }

    @Override
    public long[] counts() {
        return counts.clone();
    }

    public long count(int c) {
        return counts[c];
    }

    /** Counts of a trainId map (255 and other ignore values are not counted). */
    public static ClassStats of(String file, int[][] trainIds) {
        long[] c = new long[CityscapesClasses.COUNT];
        for (int[] row : trainIds) {
            for (int v : row) {
                if (v >= 0 && v < c.length) {
                    c[v]++;
                }
            }
        }
        return new ClassStats(file, c);
    }

    /** Writes DAFormer's sample_class_stats.json (atomically). */
    public static void write(Path file, List<ClassStats> stats) {
        ObjectMapper om = new ObjectMapper();
        ArrayNode arr = om.createArrayNode();
        for (ClassStats s : stats) {
            ObjectNode o = arr.addObject();
            for (int c = 0; c < s.counts.length; c++) {
                if (s.counts[c] > 0) {
                    o.put(Integer.toString(c), s.counts[c]);
                }
            }
            o.put("file", s.file());
        }
        AtomicFiles.writeString(file, arr.toString());
    }

    /**
     * Writes DAFormer's samples_with_class.json: class → [[file, pixels], …] for every file containing the class
     * (the min-pixels filter is applied when sampling, as in DAFormer's UDADataset).
     */
    public static void writeSamplesWithClass(Path file, List<ClassStats> stats) {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        for (int c = 0; c < CityscapesClasses.COUNT; c++) {
            ArrayNode l = om.createArrayNode();
            for (ClassStats s : stats) {
                if (s.counts[c] > 0) {
                    l.addArray().add(s.file()).add(s.counts[c]);
                }
            }
            if (!l.isEmpty()) {
                root.set(Integer.toString(c), l);
            }
        }
        AtomicFiles.writeString(file, root.toString());
    }

    /** Reads a sample_class_stats.json as DAFormer writes it. */
    public static List<ClassStats> read(Path file) {
        try {
            JsonNode arr = new ObjectMapper().readTree(file.toFile());
            if (arr == null || !arr.isArray()) {
                throw new IllegalArgumentException(file + ": expected a JSON list of per-file class counts");
            }
            List<ClassStats> out = new ArrayList<>();
            for (JsonNode o : arr) {
                long[] c = new long[CityscapesClasses.COUNT];
                String f = o.path("file").asText(null);
                if (f == null) {
                    throw new IllegalArgumentException(file + ": an entry has no \"file\"");
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext();) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (!e.getKey().equals("file")) {
                        int k = Integer.parseInt(e.getKey());
                        if (k >= 0 && k < c.length) {
                            c[k] = e.getValue().asLong();
                        }
                    }
                }
                out.add(new ClassStats(f, c));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }
}
