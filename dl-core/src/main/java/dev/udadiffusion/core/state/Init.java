package dev.udadiffusion.core.state;

import java.util.Random;
import java.util.function.DoubleSupplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Initial values for a parameter that no checkpoint provides, in checkpoint (torch) layout. The defaults mirror
 * PyTorch's module initialisation, so a model trained from scratch starts where a torch one would (in distribution,
 * not bit for bit: the random streams differ).
 */
@FunctionalInterface
public interface Init {

    /** Creates the torch-layout array for {@code shape} using {@code rng}. */
    INDArray create(long[] shape, DataType type, Random rng);

    static Init zeros() {
        return (s, t, r) -> Nd4j.zeros(t, s);
    }

    static Init ones() {
        return (s, t, r) -> Nd4j.ones(t, s);
    }

    static Init constant(double v) {
        return (s, t, r) -> Nd4j.valueArrayOf(s, v, t);
    }

    /** U(-b, b). */
    static Init uniform(double b) {
        return (s, t, r) -> fill(s, t, () -> (2 * r.nextDouble() - 1) * b);
    }

    /** N(0, std^2). */
    static Init normal(double std) {
        return (s, t, r) -> fill(s, t, () -> r.nextGaussian() * std);
    }

    /**
     * torch's default for Linear/Conv weights, {@code kaiming_uniform_(a=sqrt(5))}: U(-1/sqrt(fanIn), 1/sqrt(fanIn)),
     * which is also its default for their biases.
     */
    static Init torchDefault(long fanIn) {
        return uniform(1.0 / Math.sqrt(fanIn));
    }

    private static INDArray fill(long[] s, DataType t, DoubleSupplier g) {
        long n = 1;
        for (long d : s) {
            n *= d;
        }
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = g.getAsDouble();
        }
        return Nd4j.create(v, s, DataType.DOUBLE).castTo(t);
    }
}
