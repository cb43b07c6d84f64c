package dev.udadiffusion.controlnet.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.udadiffusion.core.io.AtomicFiles;
import dev.udadiffusion.data.labels.CityscapesClasses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A generated folder's {@code generation.json}: the settings every sample depends on, the models, the RCS counts and
 * what the last run wrote. Written before the first sample, so a resumed run can refuse other settings.
 */
final class GenerationRecord {

    private GenerationRecord() {
    }

    static void write(Path out, LabeledDatasetOptions o, Map<String, String> models, long[] times, int resumed,
            int written, long refinements) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.set("options", settings(o).put("count", o.count()));
        ObjectNode m = n.putObject("models");
        models.forEach(m::put);
        ObjectNode t = n.putObject("rcs_times_sampled");
        for (int c = 0; c < times.length; c++) {
            t.put(CityscapesClasses.name(c), times[c]);
        }
        n.put("written_this_run", written).put("resumed", resumed).put("scr_refinements_this_run", refinements);
        AtomicFiles.writeString(out.resolve("generation.json"), n.toPrettyString());
    }

    /** Everything a sample depends on (count and batch do not change a sample). */
    static ObjectNode settings(LabeledDatasetOptions o) {
        ObjectNode opt = new ObjectMapper().createObjectNode();
        opt.put("width", o.width()).put("height", o.height()).put("steps", o.sampling().steps())
                .put("guidance", o.sampling().guidance()).put("control_scale", o.sampling().controlScale()).put("guess_mode", o.sampling().guessMode())
                .put("seed", o.seed())
                .put("rcs_temperature", o.rcs().temperature()).put("rcs_min_pixels", o.rcs().minPixels())
                .put("scr_area_at_512", o.scr() == null ? 0 : o.scr().areaAt512())
                .put("scr_max", o.scr() == null ? 0 : o.scr().maxRefinements())
                .put("prompt", o.sampling().prompt() == null ? "class names present in the mask" : o.sampling().prompt());
        return opt;
    }

    /**
     * A folder is resumed only with the settings and models that made it: otherwise its samples would mix two
     * generators. Models compare by their SHA-256 entries when there are any (paths may move), else by every entry.
     */
    static void requireSame(Path out, LabeledDatasetOptions o, Map<String, String> models) {
        Path f = out.resolve("generation.json");
        if (!Files.isRegularFile(f)) {
            return;
        }
        JsonNode before;
        try {
            before = json(Files.readString(f), f);
        } catch (IOException e) {
            throw new UncheckedIOException(f + ": unreadable (" + e.getMessage() + "); remove it or use another output folder", e);
        }
        List<String> diffs = new ArrayList<>();
        JsonNode now = json(settings(o).toString(), f); // as written and read back: a long may come back as an int
        now.fields().forEachRemaining(e -> {
            JsonNode was = before.path("options").get(e.getKey());
            if (was != null && !was.equals(e.getValue())) {
                diffs.add(e.getKey() + " " + was + " (now " + e.getValue() + ")");
            }
        });
        boolean hashes = models.keySet().stream().anyMatch(k -> k.endsWith("sha256"));
        models.forEach((k, v) -> {
            JsonNode was = before.path("models").get(k);
            if ((!hashes || k.endsWith("sha256")) && was != null && !was.asText().equals(v)) {
                diffs.add(k + " " + was.asText() + " (now " + v + ")");
            }
        });
        if (!diffs.isEmpty()) {
            throw new IllegalStateException(f + ": this folder was generated with other settings — " + String.join(", ", diffs)
                    + "; resume with the same settings, or use another output folder");
        }
    }

    static JsonNode json(String text, Path file) {
        try {
            return new ObjectMapper().readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": not valid JSON (" + e.getMessage() + "); remove it or use another output folder", e);
        }
    }
}
