package dev.udadiffusion.core.state;

import dev.udadiffusion.core.errors.InputException;

/** A checkpoint that does not fit the graph: missing, unexpected or mis-shaped keys, all listed in the message. */
public class StateDictException extends InputException {
    private final transient LoadReport report;

    public StateDictException(String message, LoadReport report) {
        super(message);
        this.report = report;
    }

    /** The full report, or null when the problem is not a key mismatch. */
    public LoadReport report() {
        return report;
    }
}
