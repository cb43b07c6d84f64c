package dev.udadiffusion.core.train;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * A scoped limit on the threads ND4J's native ops use (libnd4j's master threads and OpenMP), restored on close.
 *
 * <p>Why training steps run with one core fewer: a training step is hundreds of small ops whose freed arrays the JVM
 * releases on its own threads; with every core in the native pool those threads preempt a pool worker and the whole op
 * waits a scheduler tick. Measured on 2 cores (mean of 60 steps, same build): toy SegFormer step 254 → 188 ms, toy VAE
 * step 962 → 695 ms, toy U-Net step (batch 32) 1.71 → 1.60 s with one native thread instead of two. Inference with
 * large ops (generation at batch 32) is the other way round (10.8 s with two, 16.2 s with one), so only the training
 * step takes the limit ({@link TrainingLoop}; its batch source, which may encode with a VAE, keeps every core).
 *
 * <p>The setting is process-wide, so limits are shared across threads: while any are open the native count is the
 * smallest of them, and when the last one closes the count from before the first returns. Independent jobs running
 * side by side (e.g. {@link ParallelJobs}) thus each open their own limit without undoing another's.
 */
public final class NativeThreads implements AutoCloseable {

    /** System property overriding the training thread count (0 or unset: all cores but one). */
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
        String v = System.getProperty(TRAIN_PROPERTY, "0").trim();
        int p;
        try {
            p = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(TRAIN_PROPERTY + " must be a whole number of threads, got \"" + v + "\"", e);
        }
        if (p < 0) {
            throw new IllegalArgumentException(TRAIN_PROPERTY + " must be ≥ 0 (0 = all cores but one), got " + p);
        }
        return p > 0 ? p : Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
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
