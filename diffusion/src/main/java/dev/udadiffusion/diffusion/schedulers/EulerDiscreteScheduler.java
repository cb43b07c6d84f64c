package dev.udadiffusion.diffusion.schedulers;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Euler (Karras et al. 2022, Algorithm 2 with s_churn = 0), as diffusers' {@code EulerDiscreteScheduler}: σ-space ODE
 * steps x_{i+1} = x_i + (x_i − x̂0)/σ_i · (σ_{i+1} − σ_i); model input x/√(σ²+1); fractional timesteps with the default
 * "linspace" spacing; init σ = max σ ("linspace"/"trailing") or √(σ_max²+1) ("leading"). Not thread-safe.
 */
public class EulerDiscreteScheduler extends SigmaScheduler {

    public EulerDiscreteScheduler(SchedulerConfig cfg) {
        super(cfg);
    }

    @Override
    public void setTimesteps(int n) {
        checkSteps(n);
        numInferenceSteps = n;
        timesteps = TimestepSpacing.standard(cfg.spacing("linspace"), cfg.numTrainTimesteps(), n, cfg.stepsOffset(), false);
        for (int i = 0; i < n; i++) {
            timesteps[i] = (float) timesteps[i]; // float32 timesteps, as diffusers stores them
        }
        computeSigmas(timesteps, lastSigma());
    }

    protected double lastSigma() {
        return finalSigma();
    }

    @Override
    public double initNoiseSigma() {
        double max = 0;
        for (float s : sigmas) {
            max = Math.max(max, s);
        }
        String sp = cfg.spacing("linspace");
        return sp.equals("linspace") || sp.equals("trailing") ? max : Math.sqrt(max * max + 1);
    }

    @Override
    public INDArray scaleModelInput(INDArray sample, double t) {
        requireTimesteps();
        initStepIndex(t);
        double s = sigmas[stepIndex];
        return sample.div(Math.sqrt(s * s + 1));
    }

    /** x̂0 from the model output at σ. */
    protected INDArray predictX0(INDArray out, INDArray x, double sigma) {
        return switch (cfg.predictionType()) {
            case "epsilon" -> x.sub(out.mul(sigma));
            case "v_prediction" -> out.mul(-sigma / Math.sqrt(sigma * sigma + 1)).addi(x.div(sigma * sigma + 1));
            default -> out;
        };
    }

    @Override
    public StepOutput step(INDArray out, double t, INDArray x, INDArray noise) {
        requireTimesteps();
        initStepIndex(t);
        double sigma = sigmas[stepIndex];
        INDArray x0 = predictX0(out, x, sigma);
        INDArray derivative = x.sub(x0).divi(sigma);
        double dt = sigmas[stepIndex + 1] - sigma;
        INDArray prev = x.add(derivative.muli(dt));
        stepIndex++;
        return new StepOutput(prev, x0);
    }

    @Override
    public INDArray addNoise(INDArray x0, INDArray noise, INDArray t) {
        requireTimesteps();
        return x0.add(noise.mul(sigmasFor(t, x0.rank())));
    }
}
