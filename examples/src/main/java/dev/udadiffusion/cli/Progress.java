package dev.udadiffusion.cli;

import java.io.PrintWriter;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar with rate and ETA, redrawn in place ("\r") on a terminal; when the output is a file or a
 * pipe (no console, or {@code -Dudadiff.progress=lines}) it prints a plain line per tenth of the work instead (from the
 * first tenth on), so logs stay readable. Thread-safe: jobs running side by side may update one bar and {@link #log}
 * lines above it.
 */
final class Progress {

    /** Whether progress is redrawn in place (a terminal) rather than logged as lines. */
    static final boolean INTERACTIVE = System.getProperty("udadiff.progress") != null
            ? System.getProperty("udadiff.progress").equals("bar") : System.console() != null;

    private long lastTenth = -1;
    private String lastBar;
    private long skipped;

    private final PrintWriter out;
    private final String label;
    private final long total;
    private final LongSupplier clock;
    private final long start;

    Progress(PrintWriter out, String label, long total) {
        this(out, label, total, System::nanoTime);
    }

    /** With a nanosecond {@code clock} (tests). */
    Progress(PrintWriter out, String label, long total, LongSupplier clock) {
        this.out = out;
        this.label = label;
        this.total = total;
        this.clock = clock;
        this.start = clock.getAsLong();
    }

    /**
     * Work finished by an earlier run (a resumed stage): it fills the bar when reported through {@link #update} but
     * does not count toward the rate behind the ETA, which would otherwise promise the rest in no time.
     */
    synchronized void skip(long n) {
        skipped += n;
    }

    synchronized void update(long done, String detail) {
        double elapsed = (clock.getAsLong() - start) / 1e9;
        long fresh = done - skipped;
        double eta = done >= total ? 0 : fresh <= 0 ? Double.NaN : elapsed / fresh * (total - done);
        int width = 24;
        int filled = (int) (width * done / Math.max(1, total));
        String bar = "#".repeat(filled) + "-".repeat(width - filled);
        if (!INTERACTIVE) {
            long tenth = 10 * done / Math.max(1, total);
            // from the first tenth on: before it the rate (hence the ETA) is a guess, and batched work reports its
            // first items all at once after the slowest (warm-up) batch
            if ((tenth == lastTenth || tenth == 0) && done != total) {
                return;
            }
            lastTenth = tenth;
            out.printf("%s [%s] %d/%d %s elapsed %s ETA %s%n", label, bar, done, total, detail, time(elapsed),
                    Double.isNaN(eta) ? "?" : time(eta));
            out.flush();
            return;
        }
        lastBar = String.format("%s [%s] %d/%d %s elapsed %s ETA %s   ", label, bar, done, total, detail, time(elapsed),
                Double.isNaN(eta) ? "?" : time(eta));
        out.print("\r" + lastBar);
        out.flush();
    }

    /** A line printed above the bar (on a terminal the bar is redrawn below it). */
    synchronized void log(String line) {
        if (INTERACTIVE && lastBar != null) {
            out.print("\r" + line + " ".repeat(Math.max(0, lastBar.length() - line.length())) + "\n" + lastBar);
        } else {
            out.println(line);
        }
        out.flush();
    }

    synchronized void finish() {
        if (!INTERACTIVE) {
            return;
        }
        out.println();
        out.flush();
    }

    static String time(double s) {
        return s < 60 ? String.format("%.1fs", s) : String.format("%dm%02ds", (int) s / 60, (int) s % 60);
    }
}
