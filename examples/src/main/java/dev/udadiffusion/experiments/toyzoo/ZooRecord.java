package dev.udadiffusion.experiments.toyzoo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.udadiffusion.core.image.LossPlot;
import dev.udadiffusion.core.io.AtomicFiles;
import dev.udadiffusion.core.io.Fingerprints;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** {@code zoo.json}: what made the zoo (command, seed, commit, recipe), each stage's time and loss, and weight hashes. */
final class ZooRecord {

    private ZooRecord() {
    }

    /**
     * A finished stage: its wall time, and from its {@code loss.csv} (copied to {@code logs/} with a plot) the step count
     * and the mean loss of the last 20 steps.
     */
    static ToyZoo.StageStats stage(Path run, long startNanos, Path logs, String name) {
        long seconds = Math.round((System.nanoTime() - startNanos) / 1e9);
        Path csv = run.resolve("loss.csv");
        if (!Files.isRegularFile(csv)) {
            return new ToyZoo.StageStats(seconds, null, null, null);
        }
        ToyZoo.copy(csv, logs.resolve(name + "_loss.csv"));
        LossPlot.fromCsv(csv, logs.resolve(name + "_loss.png"), "toy zoo: " + name + " training loss");
        try {
            List<String> lines = Files.readAllLines(csv);
            double sum = 0;
            int k = 0;
            for (int i = Math.max(1, lines.size() - 20); i < lines.size(); i++) {
                sum += Double.parseDouble(lines.get(i).split(",")[1]);
                k++;
            }
            return new ToyZoo.StageStats(seconds, (long) lines.size() - 1, k == 0 ? null : sum / k, null);
        } catch (IOException | RuntimeException e) {
            return new ToyZoo.StageStats(seconds, null, null, "unreadable: " + e.getMessage());
        }
    }

    /** Writes zoo.json, keeping the records of stages an earlier run trained. */
    static void write(Path out, ToyZooOptions o, String command, String commit, Map<String, ToyZoo.StageStats> newStages) {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        Path file = out.resolve("zoo.json");
        ObjectNode stages = om.createObjectNode();
        if (Files.isRegularFile(file)) {
            JsonNode old = read(file);
            if (old.has("stages")) {
                stages.setAll((ObjectNode) old.get("stages"));
                // stages recorded before per-stage provenance were made by the run the old root names
                stages.fields().forEachRemaining(e -> {
                    if (!e.getValue().has("commit") && e.getValue() instanceof ObjectNode st) {
                        st.put("commit", old.path("commit").asText()).put("command", old.path("command").asText());
                    }
                });
            }
        }
        // per stage, the commit and command that trained it: a resumed zoo mixes stages of several runs
        newStages.forEach((k, v) -> stages.set(k, v.toJson().put("commit", commit).put("command", command)));
        root.put("what", "uda-diffusion toy model zoo: Stable Diffusion with small configs trained on the toy world");
        root.put("command", command);
        root.put("seed", o.seed());
        root.put("commit", commit);
        root.put("created", Instant.now().toString());
        root.set("options", o.toJson());
        root.set("stages", stages);
        ObjectNode files = root.putObject("sha256");
        for (String c : ToyZoo.COMPONENTS) {
            Path p = out.resolve(c).resolve(ToyZoo.weightsFile(c));
            if (Files.isRegularFile(p)) {
                files.put(c + "/" + ToyZoo.weightsFile(c), Fingerprints.sha256(p));
            }
        }
        AtomicFiles.writeString(file, root.toPrettyString());
    }

    /** A zoo.json as a tree; errors name the file. */
    static JsonNode read(Path file) {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }
}
