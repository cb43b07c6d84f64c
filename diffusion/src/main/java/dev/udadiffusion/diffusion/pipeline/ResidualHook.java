package dev.udadiffusion.diffusion.pipeline;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Supplies U-Net residuals at each step — how a ControlNet plugs into the denoising loop without the pipeline knowing
 * about it. Called with the (doubled, for guidance) scaled latent input and text embeddings.
 */
public interface ResidualHook {

    /** Down residuals and mid residual, or null to add none at this step. */
    record Residuals(List<INDArray> down, INDArray mid) {
    }

    Residuals residuals(INDArray latentInput, double timestep, INDArray embeddings, int stepIndex, int totalSteps);
}
