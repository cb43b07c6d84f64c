package dev.udadiffusion.core.parity;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs our implementation of one model kind on any fixture folder of that kind and returns the outputs under the
 * fixture's names ({@code out.*}). Implementations are registered with {@link java.util.ServiceLoader} (a
 * {@code META-INF/services/dev.udadiffusion.core.parity.ParityChecker} file in the module that owns the model), so the
 * harness and the {@code udadiff parity} command find every kind on the classpath.
 */
public interface ParityChecker {

    /** Short name of the kind, e.g. "vae" or "unet". */
    String kind();

    /** Whether this checker understands {@code fixture} (usually by {@link Fixture#referenceClass()}). */
    boolean accepts(Fixture fixture);

    /** Computes every output the fixture records (or as many as this kind supports; missing ones FAIL). */
    Map<String, INDArray> compute(Fixture fixture);

    /** Tolerance for one output; by default the fixture's suggested tolerance, else {@link #defaultTolerance()}. */
    default Tolerance tolerance(Fixture fixture, String output) {
        return fixture.tolerance(defaultTolerance());
    }

    /**
     * The error of one output; by default over the whole tensor. Checkers override it where the fixture's notes define
     * a different comparison (e.g. only over elements that are well-conditioned).
     */
    default ErrorMetrics compare(Fixture fixture, String output, INDArray got, INDArray ref) {
        return ErrorMetrics.of(got, ref);
    }

    /** Used when the fixture's notes suggest none. */
    default Tolerance defaultTolerance() {
        return new Tolerance(1e-4, 1e-4);
    }
}
