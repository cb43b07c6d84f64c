package dev.udadiffusion.spark;

import com.fasterxml.jackson.databind.JsonNode;
import dev.udadiffusion.core.io.AtomicFiles;
import dev.udadiffusion.data.io.CityscapesWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The driver's last step: the lines of {@code manifest.jsonl} and of every task's manifest under {@code .parts/},
 * one per sample id (attempts write identical lines), in index order — the single-machine layout. Refuses to finish a
 * set with a gap, then removes the task manifests.
 */
final class ManifestMerge {

    private ManifestMerge() {
    }

    /** Merges; returns the number of lines written. */
    static int merge(Path out, int count) {
        Path parts = PartitionTask.partsDir(out);
        List<Path> files = PartitionTask.manifests(out, "");
        Map<String, JsonNode> byId = new TreeMap<>(); // ids are zero-padded: string order is index order
        for (Path f : files) {
            for (Map.Entry<String, JsonNode> e : CityscapesWriter.readManifest(f).entrySet()) {
                byId.putIfAbsent(e.getKey(), e.getValue());
            }
        }
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (!byId.containsKey(CityscapesWriter.id(i))) {
                missing.add(Integer.toString(i));
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException(out + ": " + missing.size() + " samples have no manifest line after the job ("
                    + String.join(", ", missing.subList(0, Math.min(10, missing.size()))) + (missing.size() > 10 ? ", …" : "")
                    + "); rerun the same command to complete the set");
        }
        StringBuilder b = new StringBuilder();
        byId.values().forEach(n -> b.append(n.toString()).append('\n'));
        AtomicFiles.writeString(out.resolve("manifest.jsonl"), b.toString());
        try {
            AtomicFiles.deleteTree(parts);
        } catch (IOException e) {
            throw new UncheckedIOException(parts + ": merged into manifest.jsonl but not removed: " + e.getMessage(), e);
        }
        return byId.size();
    }
}
