package dev.udadiffusion.core.errors;

import java.nio.file.Path;

/** An image or label file that cannot be used: unreadable, of the wrong mode or size, or with values out of range. */
public class DataException extends InputException {

    private final transient Path file;

    public DataException(Path file, String problem) {
        this(file, problem, null);
    }

    public DataException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The offending file. */
    public Path file() {
        return file;
    }
}
