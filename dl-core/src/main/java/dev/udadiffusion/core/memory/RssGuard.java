package dev.udadiffusion.core.memory;

import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.bytedeco.javacpp.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the process's resident memory under a limit: a daemon thread reads the RSS every {@code period} and asks for
 * a garbage collection while it is above the limit.
 *
 * <p>Why: ND4J frees an off-heap buffer only when the JVM collects its array, and those arrays are small objects on a
 * heap that rarely fills, so something has to request collections when native memory grows. JavaCPP can do it
 * ({@code -Dorg.bytedeco.javacpp.maxphysicalbytes}), but it reads the RSS on <em>every</em> native pointer it
 * allocates, inside a global lock — and SameDiff allocates several small pointers per op (about 20,000 per toy U-Net
 * training step). With that check off ({@code maxphysicalbytes=0}) and this guard on instead, training steps are
 * faster (numbers in {@code benchmarks/README.md}); the job is the same, done 20 times a second from one thread.
 *
 * <p>Unlike JavaCPP it cannot throw {@link OutOfMemoryError} in the allocating thread: when collections do not bring
 * the RSS back under the limit (the live working set is larger), it logs a warning and keeps trying, less and less
 * often (100 ms doubling up to 5 s between collections).
 */
public final class RssGuard implements AutoCloseable {

    /** System property with the limit, e.g. {@code 20G}; {@link #fromProperty()} starts a guard when it is set. */
    public static final String PROPERTY = "udadiff.maxRss";

    private static final Logger LOG = LoggerFactory.getLogger(RssGuard.class);
    /** After a requested collection, the time ND4J's deallocator threads get to free the buffers before the next read. */
    private static final long SETTLE_MILLIS = 100;
    /** The longest wait between collections while they do not bring the RSS under the limit. */
    private static final long MAX_SETTLE_MILLIS = 5000;

    private final long limit;
    private final long periodMillis;
    private final LongSupplier rss;
    private final Runnable collect;
    private final Thread thread;
    private final AtomicLong collections = new AtomicLong();
    private volatile boolean running = true;
    // the watcher's state: consecutive readings over the limit, and the wait after the next collection
    private int over;
    private long settle = SETTLE_MILLIS;

    private RssGuard(long limit, long periodMillis, LongSupplier rss, Runnable collect, boolean watch) {
        if (limit <= 0 || periodMillis <= 0) {
            throw new IllegalArgumentException("an RSS guard needs a positive limit and period, got " + limit + " bytes, "
                    + periodMillis + " ms");
        }
        this.limit = limit;
        this.periodMillis = periodMillis;
        this.rss = rss;
        this.collect = collect;
        this.thread = watch ? new Thread(this::watch, "udadiff-rss-guard") : null;
        if (thread != null) {
            thread.setDaemon(true);
            thread.start();
        }
    }

    /** Starts a guard reading the RSS every {@code periodMillis}. */
    public static RssGuard start(long limitBytes, long periodMillis) {
        return new RssGuard(limitBytes, periodMillis, Pointer::physicalBytes, System::gc, true);
    }

    /**
     * A guard with no thread of its own: each {@link #tick()} is one reading (tests drive it, with the RSS read by
     * {@code rss} and collections requested through {@code collect}).
     */
    static RssGuard manual(long limitBytes, long periodMillis, LongSupplier rss, Runnable collect) {
        return new RssGuard(limitBytes, periodMillis, rss, collect, false);
    }

    /** A guard with the limit from {@value #PROPERTY} (50 ms period), or empty when the property is not set. */
    public static Optional<RssGuard> fromProperty() {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(start(parseBytes(v, PROPERTY), 50));
    }

    /** Bytes from a size like {@code 20G}, {@code 512m}, {@code 1.5t} or a plain number of bytes. */
    public static long parseBytes(String text, String what) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        char last = s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
        switch (last) {
            case 'k' -> unit = 1L << 10;
            case 'm' -> unit = 1L << 20;
            case 'g' -> unit = 1L << 30;
            case 't' -> unit = 1L << 40;
            default -> unit = 1;
        }
        String number = unit == 1 ? s : s.substring(0, s.length() - 1);
        try {
            double d = Double.parseDouble(number);
            if (!(d > 0) || d * unit >= Long.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return (long) (d * unit);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + ": '" + text + "' is not a memory size (e.g. 20G, 512M, 1073741824)");
        }
    }

    public long limit() {
        return limit;
    }

    /** Collections this guard has requested so far. */
    public long collections() {
        return collections.get();
    }

    private void watch() {
        while (running) {
            try {
                Thread.sleep(tick());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * One reading: above the limit, requests a collection and returns the time to let ND4J's deallocators free the
     * buffers (doubling while collections do not help: they come less and less often, not as a storm); below it,
     * returns the period.
     */
    long tick() {
        long now = rss.getAsLong();
        if (now <= limit) {
            over = 0;
            settle = SETTLE_MILLIS;
            return periodMillis;
        }
        collections.incrementAndGet();
        collect.run();
        over++;
        if (over == 10 || over % 100 == 0) {
            LOG.warn("resident memory {} MB stays above the {} MB limit after {} collections: the live data is "
                    + "larger (raise -D{} or use smaller batches)", now >> 20, limit >> 20, over, PROPERTY);
        }
        long wait = settle;
        settle = Math.min(2 * settle, MAX_SETTLE_MILLIS);
        return wait;
    }

    /** Waits up to {@code millis} for the watcher thread to end; true when it has (or there is none). */
    boolean awaitStopped(long millis) throws InterruptedException {
        if (thread != null) {
            thread.join(millis);
        }
        return thread == null || !thread.isAlive();
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }
}
