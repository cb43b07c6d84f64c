package dev.udadiffusion.core.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.safetensors.TensorSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A reference fixture folder: {@code config.json} (the exact config the reference model was built from, with a
 * {@code reference} block), {@code weights.safetensors} (or a {@code "weights"} map in the config naming other
 * fixtures' files), {@code io.safetensors} with inputs {@code in.*} and expected outputs {@code out.*}, and
 * {@code notes.md} with the call and the suggested tolerance.
 */
public final class Fixture implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final JsonNode config;
    private final String notes;
    private final SafetensorsFile io;

    private Fixture(Path dir, JsonNode config, String notes, SafetensorsFile io) {
        this.dir = dir;
        this.config = config;
        this.notes = notes;
        this.io = io;
    }

    /** True when {@code dir} looks like a fixture folder (has config.json and io.safetensors). */
    public static boolean isFixture(Path dir) {
        return Files.isRegularFile(dir.resolve("config.json")) && Files.isRegularFile(dir.resolve("io.safetensors"));
    }

    public static Fixture open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + ": not a folder");
        }
        if (!isFixture(dir)) {
            throw new IllegalArgumentException(dir + ": not a fixture folder (needs config.json and io.safetensors)");
        }
        try {
            JsonNode config = JSON.readTree(dir.resolve("config.json").toFile());
            Path notesFile = dir.resolve("notes.md");
            String notes = Files.isRegularFile(notesFile) ? Files.readString(notesFile) : "";
            return new Fixture(dir, config, notes, SafetensorsFile.open(dir.resolve("io.safetensors")));
        } catch (IOException e) {
            throw new UncheckedIOException(dir + "/config.json: " + e.getMessage(), e);
        }
    }

    public Path dir() {
        return dir;
    }

    public String name() {
        return dir.getFileName().toString();
    }

    /** The whole config.json. */
    public JsonNode config() {
        return config;
    }

    /** {@code reference.class} (e.g. "diffusers.AutoencoderKL"), if the fixture names one. */
    public Optional<String> referenceClass() {
        JsonNode c = config.path("reference").path("class");
        return c.isTextual() ? Optional.of(c.textValue()) : Optional.empty();
    }

    public String notes() {
        return notes;
    }

    /** The suggested tolerance in notes.md, or {@code fallback}. */
    public Tolerance tolerance(Tolerance fallback) {
        return Tolerance.suggestedIn(notes).orElse(fallback);
    }

    public TensorSource io() {
        return io;
    }

    /** Names of the expected outputs ({@code out.*}), in file order. */
    public List<String> outputs() {
        return io.names().stream().filter(n -> n.startsWith("out.")).toList();
    }

    public INDArray input(String name) {
        return io.load(name.startsWith("in.") ? name : "in." + name);
    }

    public INDArray expected(String name) {
        return io.load(name.startsWith("out.") ? name : "out." + name);
    }

    /** The fixture's own {@code weights.safetensors}. */
    public Path weights() {
        Path p = dir.resolve("weights.safetensors");
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException(dir + ": no weights.safetensors (components: " + config.path("weights") + ")");
        }
        return p;
    }

    /** A component's weights named by the config's {@code "weights"} map (paths relative to this folder). */
    public Path weights(String component) {
        JsonNode w = config.path("weights").path(component);
        if (!w.isTextual()) {
            return weights();
        }
        Path p = dir.resolve(w.textValue()).normalize();
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException(dir + ": weights of '" + component + "' not found at " + p);
        }
        return p;
    }

    @Override
    public void close() {
        io.close();
    }
}
