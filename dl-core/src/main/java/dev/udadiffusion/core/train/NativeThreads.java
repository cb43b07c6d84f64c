package dev.udadiffusion.core.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * A scoped limit on the threads ND4J's native ops use (libnd4j's master threads and OpenMP), restored on close.
 *
 * <p>Why small-op training steps run with one core fewer ({@link #forTraining()}): a SegFormer step is hundreds of
 * small ops whose freed arrays the JVM releases on its own threads; with every core in the native pool those threads
 * preempt a pool worker and the whole op waits a scheduler tick. Conv-heavy steps, whose Java work is small, are
 * faster with every core ({@link #forConvTraining()}); measurements in {@code docs/RESULTS.md}. Only the training step
 * takes the limit ({@link TrainingLoop}; its batch source, which may encode with a VAE, keeps every core), and
 * inference keeps every core.
 *
 * <p>The setting is process-wide, so limits are shared across threads: while any are open the native count is the
 * smallest of them, and when the last one closes the count from before the first returns. Independent jobs running
 * side by side (e.g. {@link ParallelJobs}) thus each open their own limit without undoing another's.
 */
public final class NativeThreads implements AutoCloseable {

    /** System property overriding the training thread count (0 or unset: the defaults below). */
    public static final String TRAIN_PROPERTY = "udadiff.trainThreads";

    /** The limits currently open (any thread), and the counts from before the first of them. */
    private static final List<Integer> OPEN = new ArrayList<>();
    private static int baseMaster;
    private static int baseOmp;

    private final int n;
    private boolean closed;

    private NativeThreads(int n) {
        this.n = n;
    }

    /**
     * Limits the native threads to at most {@code n} (≥ 1) until {@link #close()}; a looser limit inside a tighter one
     * keeps the tighter.
     */
    public static NativeThreads limit(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("native threads must be at least 1, got " + n);
        }
        synchronized (OPEN) {
            if (OPEN.isEmpty()) {
                baseMaster = Nd4j.getEnvironment().maxMasterThreads();
                baseOmp = NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
            }
            OPEN.add(n);
            int m = Collections.min(OPEN);
            set(m, m);
        }
        return new NativeThreads(n);
    }

    /** The training loop's thread count: {@value #TRAIN_PROPERTY} when set, else all cores but one (at least one). */
    public static int forTraining() {
        int p = override();
        return p > 0 ? p : Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
    }

    /**
     * The training loop's thread count for steps dominated by convolutions and matmuls (VAE, U-Net, ControlNet):
     * {@value #TRAIN_PROPERTY} when set, else all cores.
     */
    public static int forConvTraining() {
        int p = override();
        return p > 0 ? p : Runtime.getRuntime().availableProcessors();
    }

    /** {@value #TRAIN_PROPERTY}, or 0 when unset. */
    private static int override() {
        String v = System.getProperty(TRAIN_PROPERTY, "0").trim();
        int p;
        try {
            p = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(TRAIN_PROPERTY + " must be a whole number of threads, got \"" + v + "\"", e);
        }
        if (p < 0) {
            throw new IllegalArgumentException(TRAIN_PROPERTY + " must be ≥ 0 (0 = the default), got " + p);
        }
        return p;
    }

    /** Current native thread count (libnd4j master threads). */
    public static int current() {
        return Nd4j.getEnvironment().maxMasterThreads();
    }

    private static void set(int master, int omp) {
        Nd4j.getEnvironment().setMaxMasterThreads(master);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(omp);
    }

    @Override
    public void close() {
        synchronized (OPEN) {
            if (closed) {
                return;
            }
            closed = true;
            OPEN.remove(Integer.valueOf(n));
            if (OPEN.isEmpty()) {
                set(baseMaster, baseOmp);
            } else {
                int m = Collections.min(OPEN);
                set(m, m);
            }
        }
    }
}
