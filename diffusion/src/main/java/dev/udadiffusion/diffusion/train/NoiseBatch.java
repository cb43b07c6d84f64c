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

    /**
     * Min-SNR-γ weights per sample (diffusers' train_text_to_image.py / train_dreambooth.py {@code --snr_gamma}):
     * SNR(t) = ᾱ_t / (1 − ᾱ_t); weight min(SNR, γ) / SNR for ε-prediction, min(SNR, γ) / (SNR + 1) for v-prediction.
     */
    public static float[] minSnrWeights(DDPMScheduler noise, INDArray timesteps, double gamma) {
        boolean vPred = noise.config().predictionType().equals("v_prediction");
        if (!vPred && !noise.config().predictionType().equals("epsilon")) {
            throw new IllegalArgumentException("min-SNR weighting needs epsilon or v_prediction, not "
                    + noise.config().predictionType());
        }
        float[] abar = noise.schedule().alphasCumprod();
        float[] w = new float[(int) timesteps.length()];
        for (int b = 0; b < w.length; b++) {
            double a = abar[timesteps.getInt(b)];
            double snr = a / (1 - a);
            w[b] = (float) (Math.min(snr, gamma) / (vPred ? snr + 1 : snr));
        }
        return w;
    }
}
