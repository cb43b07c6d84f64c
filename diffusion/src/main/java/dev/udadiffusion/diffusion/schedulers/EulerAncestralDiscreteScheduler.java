package dev.udadiffusion.diffusion.schedulers;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Euler ancestral, as diffusers' {@code EulerAncestralDiscreteScheduler}: an Euler step to
 * σ_down = √(σ_to² − σ_up²), then fresh noise of std σ_up = √(σ_to²(σ_from² − σ_to²)/σ_from²). The final σ is 0.
 * Not thread-safe.
 */
public final class EulerAncestralDiscreteScheduler extends EulerDiscreteScheduler {

    public EulerAncestralDiscreteScheduler(SchedulerConfig cfg) {
        super(cfg);
    }

    @Override
    protected double lastSigma() {
        return 0.0;
    }

    @Override
    public boolean isStochastic() {
        return true;
    }

    @Override
    public StepOutput step(INDArray out, double t, INDArray x, INDArray noise) {
        requireTimesteps();
        initStepIndex(t);
        double from = sigmas[stepIndex];
        double to = sigmas[stepIndex + 1];
        INDArray x0 = predictX0(out, x, from);
        double up = Math.sqrt(to * to * (from * from - to * to) / (from * from));
        double down = Math.sqrt(to * to - up * up);
        INDArray derivative = x.sub(x0).divi(from);
        INDArray prev = x.add(derivative.muli(down - from));
        if (up > 0) {
            if (noise == null) {
                throw new IllegalArgumentException("Euler ancestral steps need noise");
            }
            prev.addi(noise.mul(up));
        }
        stepIndex++;
        return new StepOutput(prev, x0);
    }
}
