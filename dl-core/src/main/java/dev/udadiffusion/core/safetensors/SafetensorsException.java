package dev.udadiffusion.core.safetensors;

import dev.udadiffusion.core.errors.InputException;
import java.nio.file.Path;

/**
 * A safetensors file (or sharded index) that breaks the format, or a request it cannot satisfy. The message names
 * the file, the tensor when one is involved, and the rule broken.
 */
public class SafetensorsException extends InputException {
    private final transient Path file;
    private final String tensor;

    public SafetensorsException(Path file, String tensor, String problem) {
        this(file, tensor, problem, null);
    }

    public SafetensorsException(Path file, String tensor, String problem, Throwable cause) {
        super(format(file, tensor, problem), cause);
        this.file = file;
        this.tensor = tensor;
    }

    private static String format(Path file, String tensor, String problem) {
        StringBuilder sb = new StringBuilder();
        sb.append(file == null ? "<safetensors>" : file.toString());
        if (tensor != null) {
            sb.append(": tensor '").append(tensor).append('\'');
        }
        return sb.append(": ").append(problem).toString();
    }

    /** The offending file, or null. */
    public Path file() {
        return file;
    }

    /** The offending tensor's name, or null when the problem is not about one tensor. */
    public String tensor() {
        return tensor;
    }
}
