package dev.udadiffusion.diffusion.schedulers;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DDPM ancestral sampling (Ho et al. 2020, eqs. 6–7), as diffusers' {@code DDPMScheduler} with any inference grid:
 * ᾱ_prev is ᾱ at the next grid timestep (1 after the last), α'_t = ᾱ_t/ᾱ_prev, β'_t = 1 − α'_t;
 * μ = √ᾱ_prev β'_t/(1−ᾱ_t) x̂0 + √α'_t (1−ᾱ_prev)/(1−ᾱ_t) x_t; variance ṽ = (1−ᾱ_prev)/(1−ᾱ_t) β'_t (≥ 1e−20);
 * x_prev = μ + std·z for t &gt; 0 (variance_type fixed_small: std = √ṽ; fixed_small_log: exp(½ log ṽ);
 * fixed_large: √β'_t). Not thread-safe.
 */
public final class DDPMScheduler extends BaseScheduler {

    private final String varianceType;

    public DDPMScheduler(SchedulerConfig cfg) {
        super(cfg);
        this.varianceType = cfg.varianceType() == null ? "fixed_small" : cfg.varianceType();
        if (!List.of("fixed_small", "fixed_small_log", "fixed_large").contains(varianceType)) {
            throw new IllegalArgumentException("variance_type=" + varianceType
                    + " is not supported (fixed_small, fixed_small_log, fixed_large)");
        }
        if (cfg.clipSample() != null && cfg.clipSample()) {
            throw new IllegalArgumentException("clip_sample=true is not supported (SD uses false)");
        }
    }

    @Override
    public void setTimesteps(int n) {
        checkSteps(n);
        numInferenceSteps = n;
        timesteps = TimestepSpacing.standard(cfg.spacing("leading"), cfg.numTrainTimesteps(), n, cfg.stepsOffset(), true);
    }

    @Override
    public double initNoiseSigma() {
        return 1.0;
    }

    @Override
    public boolean isStochastic() {
        return true;
    }

    private int previousTimestep(int t) {
        for (int i = 0; i < timesteps.length; i++) {
            if (timesteps[i] == t) {
                return i == timesteps.length - 1 ? -1 : (int) timesteps[i + 1];
            }
        }
        throw new IllegalArgumentException("timestep " + t + " is not on the inference grid");
    }

    @Override
    public StepOutput step(INDArray out, double tt, INDArray x, INDArray noise) {
        requireTimesteps();
        int t = discrete(tt);
        int prev = previousTimestep(t);
        double aT = acp(t);
        double aPrev = prev >= 0 ? acp(prev) : 1.0;
        double bT = 1 - aT;
        double bPrev = 1 - aPrev;
        double curAlpha = aT / aPrev;
        double curBeta = 1 - curAlpha;
        INDArray x0 = predictX0AndEps(out, x, aT)[0];
        double c0 = Math.sqrt(aPrev) * curBeta / bT;
        double cT = Math.sqrt(curAlpha) * bPrev / bT;
        INDArray prevSample = x0.mul(c0).addi(x.mul(cT));
        if (t > 0) {
            if (noise == null) {
                throw new IllegalArgumentException("DDPM steps need noise");
            }
            double v = Math.max(bPrev / bT * curBeta, 1e-20);
            double std = switch (varianceType) {
                case "fixed_small" -> Math.sqrt(v);
                case "fixed_small_log" -> Math.exp(0.5 * Math.log(v));
                default -> Math.sqrt(curBeta);
            };
            prevSample.addi(noise.mul(std));
        }
        return new StepOutput(prevSample, x0);
    }
}
