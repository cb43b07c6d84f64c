package dev.udadiffusion.diffusion.pipeline;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Called after every denoising step (diffusers' {@code callback_on_step_end}); for progress and inspection. */
@FunctionalInterface
public interface StepCallback {

    /** What one step saw and produced. Noise predictions are null where guidance is off. */
    record StepState(int index, int total, double timestep, INDArray latents, INDArray noisePred,
            INDArray noisePredUncond, INDArray noisePredText) {
    }

    void onStep(StepState state);

    StepCallback NONE = s -> { };
}
