package dev.udadiffusion.core.random;

import java.util.SplittableRandom;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A seeded random source for tensors, independent of ND4J's global generator so that results depend only on the seed
 * (not on what else ran before, or on the thread). Gaussian values by the polar method in double, rounded to float.
 * Not thread-safe; one instance per run.
 */
public final class Rng {

    private final SplittableRandom r;
    private double spare;
    private boolean hasSpare;

    public Rng(long seed) {
        this.r = new SplittableRandom(seed);
    }

    /**
     * The generator for step {@code step} of a run seeded with {@code seed}: independent per step, so a resumed run
     * draws exactly what an uninterrupted one would, without saving generator state.
     */
    public static Rng forStep(long seed, long step) {
        return new Rng(new SplittableRandom(seed).split().nextLong() ^ (step * 0x9E3779B97F4A7C15L));
    }

    public double nextGaussian() {
        if (hasSpare) {
            hasSpare = false;
            return spare;
        }
        double u;
        double v;
        double s;
        do {
            u = 2 * r.nextDouble() - 1;
            v = 2 * r.nextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double m = Math.sqrt(-2 * Math.log(s) / s);
        spare = v * m;
        hasSpare = true;
        return u * m;
    }

    public double nextDouble() {
        return r.nextDouble();
    }

    public int nextInt(int bound) {
        return r.nextInt(bound);
    }

    /** A float array of standard normal values with the given shape. */
    public INDArray gaussian(long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) nextGaussian();
        }
        return Nd4j.create(v, shape);
    }
}
