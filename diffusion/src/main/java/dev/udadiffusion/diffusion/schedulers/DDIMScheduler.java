package dev.udadiffusion.diffusion.schedulers;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DDIM (Song et al. 2021, eq. 12), as diffusers' {@code DDIMScheduler}. Notation: ᾱ_t, ᾱ_prev (ᾱ at t − N/n, or the
 * final ᾱ = 1 if set_alpha_to_one else ᾱ_0), σ_t = η √((1−ᾱ_prev)/(1−ᾱ_t)) √(1 − ᾱ_t/ᾱ_prev);
 * x_prev = √ᾱ_prev x̂0 + √(1−ᾱ_prev−σ_t²) ε̂ + σ_t z. Defaults: spacing "leading", set_alpha_to_one true.
 * Not thread-safe.
 */
public final class DDIMScheduler extends BaseScheduler {

    private final double eta;
    private final double finalAlphaCumprod;

    public DDIMScheduler(SchedulerConfig cfg) {
        this(cfg, 0.0);
    }

    /** @param eta 0 for deterministic DDIM, 1 for DDPM-like ancestral sampling */
    public DDIMScheduler(SchedulerConfig cfg, double eta) {
        super(cfg);
        this.eta = eta;
        boolean one = cfg.setAlphaToOne() == null || cfg.setAlphaToOne();
        this.finalAlphaCumprod = one ? 1.0 : sched.alphasCumprod[0];
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
        return eta > 0;
    }

    @Override
    public StepOutput step(INDArray out, double tt, INDArray x, INDArray noise) {
        requireTimesteps();
        int t = discrete(tt);
        int prev = t - cfg.numTrainTimesteps() / numInferenceSteps;
        double aT = acp(t);
        double aPrev = prev >= 0 ? acp(prev) : finalAlphaCumprod;
        INDArray[] pe = predictX0AndEps(out, x, aT);
        double variance = (1 - aPrev) / (1 - aT) * (1 - aT / aPrev);
        double std = eta * Math.sqrt(variance);
        INDArray direction = pe[1].mul(Math.sqrt(1 - aPrev - std * std));
        INDArray prevSample = pe[0].mul(Math.sqrt(aPrev)).addi(direction);
        if (eta > 0) {
            if (noise == null) {
                throw new IllegalArgumentException("DDIM with eta > 0 needs noise");
            }
            prevSample.addi(noise.mul(std));
        }
        return new StepOutput(prevSample, pe[0]);
    }
}
