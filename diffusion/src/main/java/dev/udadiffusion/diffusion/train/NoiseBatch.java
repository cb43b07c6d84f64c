package dev.udadiffusion.diffusion.train;

import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.diffusion.schedulers.DDPMScheduler;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The feeds of one noise-prediction training batch, as diffusers' training scripts draw them: latents sampled from
 * the VAE posterior and scaled, t ~ U{0, …, N−1} per sample, ε ~ N(0, I), noisy = add_noise(latents, ε, t),
 * target ε (or v for v-prediction). Draw order: posterior ε, noise, timesteps.
 */
public final class NoiseBatch {

    private NoiseBatch() {
    }

    /** Scaled latents from posterior mean and std: (mean + std · ε) · scaling. */
    public static INDArray latents(INDArray mean, INDArray std, double scaling, Rng rng) {
        return mean.add(std.mul(rng.gaussian(mean.shape()))).muli(scaling);
    }

    /** Feeds for {@link UNetTraining} / ControlNet training graphs (add the conditioning image for the latter). */
    public static Map<String, INDArray> feeds(INDArray latents, INDArray context, DDPMScheduler noise, Rng rng) {
        INDArray eps = rng.gaussian(latents.shape());
        long[] ts = new long[(int) latents.size(0)];
        for (int b = 0; b < ts.length; b++) {
            ts[b] = rng.nextInt(noise.config().numTrainTimesteps());
        }
        INDArray t = Nd4j.createFromArray(ts);
        boolean vPred = noise.config().predictionType().equals("v_prediction");
        Map<String, INDArray> feeds = new HashMap<>();
        feeds.put(UNetTraining.NOISY, noise.addNoise(latents, eps, t));
        feeds.put(UNet2DConditionModel.TIMESTEPS, t.castTo(DataType.FLOAT));
        feeds.put(UNet2DConditionModel.CONTEXT, context);
        feeds.put(UNetTraining.TARGET, vPred ? noise.velocity(latents, eps, t) : eps);
        return feeds;
    }
}
