package dev.udadiffusion.core.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * diffusers' {@code get_timestep_embedding}: sinusoidal features of (possibly fractional) timesteps.
 * freq_j = exp(−ln(maxPeriod)·j / (half − freqShift)), computed in float32 as torch does; emb = [sin(s·t·f) | cos(s·t·f)],
 * swapped to [cos | sin] when {@code flipSinToCos}; a zero column is appended for odd {@code dim}.
 */
public final class Timesteps {

    private Timesteps() {
    }

    /** @param t timesteps [B] of any numeric type */
    public static SDVariable sinusoidal(SameDiff sd, SDVariable t, int dim, boolean flipSinToCos, double freqShift,
            double maxPeriod, double scale, DataType type) {
        int half = dim / 2;
        SDVariable freqs = sd.constant(Nd4j.create(frequencies(half, freqShift, maxPeriod), new long[] {1, half})
                .castTo(type));
        SDVariable args = t.castTo(type).reshape(-1, 1).mul(freqs); // [B, half]
        if (scale != 1.0) {
            args = args.mul(scale);
        }
        SDVariable sin = sd.math().sin(args);
        SDVariable cos = sd.math().cos(args);
        SDVariable emb = flipSinToCos ? sd.concat(1, cos, sin) : sd.concat(1, sin, cos);
        if (dim % 2 == 1) {
            emb = sd.nn().pad(emb, sd.constant(Nd4j.createFromArray(new int[][] {{0, 0}, {0, 1}})), 0.0);
        }
        return emb;
    }

    /** The float32 frequencies, rounded step by step as torch computes them. */
    public static float[] frequencies(int half, double freqShift, double maxPeriod) {
        float negLog = (float) -Math.log(maxPeriod);
        float denom = (float) (half - freqShift);
        float[] f = new float[half];
        for (int j = 0; j < half; j++) {
            float exponent = (negLog * (float) j) / denom;
            f[j] = (float) Math.exp(exponent);
        }
        return f;
    }
}
