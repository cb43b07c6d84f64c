package dev.udadiffusion.core.nn;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.array.SingleThreadArrayHolder;
import org.nd4j.linalg.factory.Nd4j;

/** Small helpers shared by every graph builder; the place where SameDiff M2.1 quirks are handled once. */
public final class Graphs {

    private Graphs() {
    }

    /**
     * A new SameDiff whose variables and constants keep the arrays they are given. The default
     * {@code ThreadSafeArrayHolder} copies every array (1.6–11 s per GB and a second buffer), which would double the
     * memory and load time of a 3.4 GB U-Net. Consequence: a graph is not to be run from several threads at once.
     */
    public static SameDiff newSameDiff() {
        SameDiff sd = SameDiff.create();
        sd.setArrayHolders(new SingleThreadArrayHolder(), new SingleThreadArrayHolder(), false);
        return sd;
    }

    /**
     * Graphs made by {@link #newTrainingSameDiff}, by identity: SameDiff's {@code hashCode}/{@code equals} follow its
     * contents (a graph's hash changes with every variable added), so a hash-based set loses it at the first op.
     */
    private static final List<WeakReference<SameDiff>> TRAINING = new ArrayList<>();

    /**
     * As {@link #newSameDiff}, for a graph that will take gradients (a training step, guidance): blocks whose
     * backward is slow in M2.1 build a form that is cheaper to differentiate ({@link GroupNorm}, {@link LayerNorm}).
     * The values are the same either way (within float rounding); only the speed differs.
     */
    public static SameDiff newTrainingSameDiff() {
        SameDiff sd = newSameDiff();
        synchronized (TRAINING) {
            TRAINING.removeIf(r -> r.get() == null);
            TRAINING.add(new WeakReference<>(sd));
        }
        return sd;
    }

    /** True for graphs made by {@link #newTrainingSameDiff}. */
    public static boolean isTraining(SameDiff sd) {
        synchronized (TRAINING) {
            for (WeakReference<SameDiff> r : TRAINING) {
                if (r.get() == sd) {
                    return true;
                }
            }
            return false;
        }
    }

    /** True when every entry is known (positive), i.e. a reshape can use a literal shape. */
    public static boolean known(long... dims) {
        if (dims == null || dims.length == 0) {
            return false;
        }
        for (long d : dims) {
            if (d <= 0) {
                return false;
            }
        }
        return true;
    }

    /** [-1, dims...]: a literal target shape with only the batch left to infer (one op instead of four). */
    public static long[] batchShape(long... dims) {
        long[] s = new long[dims.length + 1];
        s[0] = -1;
        System.arraycopy(dims, 0, s, 1, dims.length);
        return s;
    }

    /** {@code shape(x)} with its last entry replaced by {@code last}; {@code rank} is x's (static) rank. */
    public static SDVariable shapeWithLast(SameDiff sd, SDVariable x, int rank, long last) {
        SDVariable lead = x.shape().get(SDIndex.interval(0, rank - 1));
        return sd.concat(0, lead, sd.constant(Nd4j.createFromArray(last)));
    }

    /** {@code shape(x)[0:k] ++ tail}. */
    public static SDVariable shapePrefix(SameDiff sd, SDVariable x, int k, long... tail) {
        SDVariable lead = x.shape().get(SDIndex.interval(0, k));
        return sd.concat(0, lead, sd.constant(Nd4j.createFromArray(tail)));
    }

    /**
     * Runs {@code body} with the "Added differentiated op ..." lines SameDiff M2.1 prints to {@code System.out} while
     * it builds a gradient function (about 90 lines per graph) filtered out; everything else passes through.
     * System.out is process-wide, so concurrent printing from other threads is filtered the same way meanwhile.
     */
    public static <T> T quietly(Supplier<T> body) {
        PrintStream orig = System.out;
        PrintStream filtered = new PrintStream(new LineFilter(orig), true, StandardCharsets.UTF_8);
        System.setOut(filtered);
        try {
            return body.get();
        } finally {
            filtered.flush();
            System.setOut(orig);
        }
    }

    private static final class LineFilter extends OutputStream {
        private final PrintStream target;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineFilter(PrintStream target) {
            this.target = target;
        }

        @Override
        public synchronized void write(int b) {
            line.write(b);
            if (b == '\n') {
                emit();
            }
        }

        @Override
        public synchronized void flush() {
            if (line.size() > 0) {
                emit();
            }
            target.flush();
        }

        private void emit() {
            String s = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (!s.startsWith("Added differentiated op")) {
                target.print(s);
            }
        }
    }
}
