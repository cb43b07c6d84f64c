package dev.udadiffusion.core.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A training run's {@code loss.csv} (step, loss, lr, grad_norm, then {@code loss_NAME} for each loss term of a
 * {@link Trainer#summing summing} trainer). Nothing is written before the first step completes,
 * so a run that fails while starting leaves no file (nor output folder) behind. A run resumed at step S keeps the rows
 * of steps 1…S and drops later ones (written after the checkpoint it resumes from), so no step appears twice.
 */
final class LossLog {

    static final String HEADER = "step,loss,lr,grad_norm";

    private final Path file;
    private boolean started;

    private LossLog(Path file, boolean started) {
        this.file = file;
        this.started = started;
    }

    /** The log for a run starting at {@code start} (0: a fresh run, whose first row replaces any old file). */
    static LossLog open(Path file, long start) {
        if (start == 0 || !Files.exists(file)) {
            return new LossLog(file, false);
        }
        try {
            List<String> kept = new ArrayList<>();
            for (String line : Files.readAllLines(file)) {
                String first = line.split(",", 2)[0];
                if (kept.isEmpty() || (!first.isEmpty() && Character.isDigit(first.charAt(0))
                        && Long.parseLong(first) <= start)) {
                    kept.add(line);
                }
            }
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, kept);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
        return new LossLog(file, true);
    }

    void append(Trainer.StepResult r) {
        StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%d,%.8g,%.6g,%.6g", r.step(), r.loss(), r.lr(), r.gradNorm()));
        StringBuilder header = new StringBuilder(HEADER);
        r.terms().forEach((name, v) -> {
            header.append(",loss_").append(name);
            row.append(String.format(Locale.ROOT, ",%.8g", v));
        });
        row.append(System.lineSeparator());
        try {
            if (!started) {
                Files.createDirectories(file.getParent());
                Files.writeString(file, header + "\n" + row);
                started = true;
            } else {
                Files.writeString(file, row, StandardOpenOption.APPEND);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }
}
