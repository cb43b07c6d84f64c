package dev.udadiffusion.diffusion.schedulers;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Base of the σ-parametrised schedulers (Euler, DPM-Solver, UniPC): σ_t = √((1−ᾱ_t)/ᾱ_t) linearly interpolated at the
 * inference timesteps, plus a final σ (0 for final_sigmas_type "zero"), stored in float32 as diffusers does; a step
 * counter that starts at the index of the first timestep seen.
 */
abstract class SigmaScheduler extends BaseScheduler implements SigmaAccess {

    protected float[] sigmas = new float[0];
    protected int stepIndex = -1;

    SigmaScheduler(SchedulerConfig cfg) {
        super(cfg);
    }

    /** σ(t) for each timestep by np.interp over the training σ table, then {@code last} appended. */
    protected void computeSigmas(double[] ts, double last) {
        float[] train = sched.trainSigmas();
        sigmas = new float[ts.length + 1];
        for (int i = 0; i < ts.length; i++) {
            double t = ts[i];
            int lo = (int) Math.floor(t);
            if (lo >= train.length - 1) {
                sigmas[i] = train[train.length - 1];
            } else if (lo < 0) {
                sigmas[i] = train[0];
            } else {
                double f = t - lo;
                sigmas[i] = (float) (train[lo] + f * ((double) train[lo + 1] - train[lo]));
            }
        }
        sigmas[ts.length] = (float) last;
        stepIndex = -1;
        beginIndex = -1;
    }

    /** The sigma appended after the last step for final_sigmas_type ("zero" by default, or σ_min). */
    protected double finalSigma() {
        if ("sigma_min".equals(cfg.finalSigmasType())) {
            return sched.trainSigmas()[0];
        }
        return 0.0;
    }

    @Override
    public float[] sigmas() {
        return sigmas.clone();
    }

    /** diffusers' index_for_timestep: the first match, or the second when t occurs twice. */
    protected int indexFor(double t) {
        int first = -1;
        int count = 0;
        for (int i = 0; i < timesteps.length; i++) {
            if (timesteps[i] == t) {
                if (count == 0) {
                    first = i;
                } else if (count == 1) {
                    return i;
                }
                count++;
            }
        }
        return first >= 0 ? first : timesteps.length - 1;
    }

    private int beginIndex = -1;

    @Override
    public void setBeginIndex(int index) {
        beginIndex = index;
    }

    protected void initStepIndex(double t) {
        if (stepIndex < 0 && beginIndex >= 0) {
            stepIndex = beginIndex;
            return;
        }
        if (stepIndex < 0) {
            stepIndex = indexFor(t);
        }
    }

    /** [α_t, σ_t] of the VP parametrisation for a VE σ: α = 1/√(σ²+1), σ_t = σ·α. */
    protected static double[] alphaSigma(double sigma) {
        double a = 1.0 / Math.sqrt(sigma * sigma + 1);
        return new double[] {a, sigma * a};
    }

    /** λ = log α − log σ (infinite at σ = 0, which makes the final update return x̂0). */
    protected static double lambda(double sigma) {
        double[] as = alphaSigma(sigma);
        return Math.log(as[0]) - Math.log(as[1]);
    }

    /** Per-sample σ of the given timesteps, shaped for broadcasting. */
    protected INDArray sigmasFor(INDArray t, int rank) {
        float[] s = new float[(int) t.length()];
        for (int i = 0; i < s.length; i++) {
            s[i] = sigmas[indexFor(t.getDouble(i))];
        }
        long[] shape = new long[rank];
        Arrays.fill(shape, 1);
        shape[0] = s.length;
        return Nd4j.create(s, shape).castTo(DataType.FLOAT);
    }
}
