package dev.udadiffusion.diffusion.schedulers;

/**
 * The forward-process tables shared by all schedulers, rounded to float32 exactly where diffusers (torch) rounds them:
 * β (linear / scaled_linear / squaredcos_cap_v2 / trained), α = 1 − β, ᾱ = cumprod(α) (torch accumulates a float32
 * cumprod in double on the CPU and rounds each entry).
 *
 * <p>Notation: β_t = {@code betas[t]}, ᾱ_t = {@code alphasCumprod[t]} (DDPM paper eq. 4: q(x_t|x_0) =
 * N(√ᾱ_t x_0, (1−ᾱ_t) I)).
 */
public final class NoiseSchedule {

    final float[] betas;
    final float[] alphas;
    final float[] alphasCumprod;

    NoiseSchedule(SchedulerConfig c) {
        int n = c.numTrainTimesteps();
        betas = new float[n];
        if (c.trainedBetas() != null) {
            if (c.trainedBetas().size() != n) {
                throw new IllegalArgumentException("trained_betas has " + c.trainedBetas().size() + " entries, expected " + n);
            }
            for (int i = 0; i < n; i++) {
                betas[i] = c.trainedBetas().get(i).floatValue();
            }
        } else {
            switch (c.betaSchedule()) {
                case "linear" -> {
                    float[] l = linspace((float) (double) c.betaStart(), (float) (double) c.betaEnd(), n);
                    System.arraycopy(l, 0, betas, 0, n);
                }
                case "scaled_linear" -> {
                    float[] l = linspace((float) Math.sqrt(c.betaStart()), (float) Math.sqrt(c.betaEnd()), n);
                    for (int i = 0; i < n; i++) {
                        betas[i] = l[i] * l[i];
                    }
                }
                case "squaredcos_cap_v2" -> {
                    for (int i = 0; i < n; i++) {
                        double t1 = (double) i / n;
                        double t2 = (double) (i + 1) / n;
                        betas[i] = (float) Math.min(1 - alphaBar(t2) / alphaBar(t1), 0.999);
                    }
                }
                default -> throw new IllegalArgumentException("beta_schedule " + c.betaSchedule());
            }
        }
        if (c.rescaleBetasZeroSnr()) {
            rescaleZeroTerminalSnr(betas);
        }
        alphas = new float[n];
        alphasCumprod = new float[n];
        double acc = 1.0;
        for (int i = 0; i < n; i++) {
            alphas[i] = 1f - betas[i];
            acc *= alphas[i];
            alphasCumprod[i] = (float) acc;
        }
        if (c.rescaleBetasZeroSnr()) {
            alphasCumprod[n - 1] = (float) Math.pow(2, -24); // diffusers avoids an infinite sigma this way
        }
    }

    private static double alphaBar(double t) {
        double c = Math.cos((t + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    /** torch.linspace in float32: start + i·step for the first half, end − (n−1−i)·step for the second. */
    static float[] linspace(float start, float end, int n) {
        float[] r = new float[n];
        if (n == 1) {
            r[0] = start;
            return r;
        }
        float step = (end - start) / (n - 1);
        int half = n / 2;
        for (int i = 0; i < n; i++) {
            r[i] = i < half ? start + step * i : end - step * (n - 1 - i);
        }
        return r;
    }

    /** Lin et al. 2023, Algorithm 1: shift and scale √ᾱ so the last step has zero SNR. */
    private static void rescaleZeroTerminalSnr(float[] betas) {
        int n = betas.length;
        double[] sqrtAcp = new double[n];
        double acc = 1;
        for (int i = 0; i < n; i++) {
            acc *= 1 - betas[i];
            sqrtAcp[i] = Math.sqrt(acc);
        }
        double first = sqrtAcp[0];
        double last = sqrtAcp[n - 1];
        for (int i = 0; i < n; i++) {
            sqrtAcp[i] = (sqrtAcp[i] - last) * first / (first - last);
        }
        double prev = 1;
        for (int i = 0; i < n; i++) {
            double acp = sqrtAcp[i] * sqrtAcp[i];
            betas[i] = (float) (1 - acp / prev);
            prev = acp;
        }
    }

    public float[] betas() {
        return betas.clone();
    }

    public float[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    /** σ of the variance-exploding parametrisation, √((1−ᾱ)/ᾱ), in float32 as torch computes it. */
    float[] trainSigmas() {
        float[] s = new float[alphasCumprod.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = (float) Math.sqrt((1f - alphasCumprod[i]) / alphasCumprod[i]);
        }
        return s;
    }
}
