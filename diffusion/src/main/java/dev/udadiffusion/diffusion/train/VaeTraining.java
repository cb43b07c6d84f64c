package dev.udadiffusion.diffusion.train;

import dev.udadiffusion.core.nn.Conv2d;
import dev.udadiffusion.core.nn.Graphs;
import dev.udadiffusion.core.nn.Size2d;
import dev.udadiffusion.core.state.Params;
import dev.udadiffusion.core.train.TrainingGraph;
import dev.udadiffusion.diffusion.vae.AutoencoderKL;
import dev.udadiffusion.diffusion.vae.AutoencoderKLConfig;
import dev.udadiffusion.diffusion.vae.Decoder;
import dev.udadiffusion.diffusion.vae.Encoder;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The training graph of a KL autoencoder (the VAE of latent diffusion, without its perceptual and adversarial terms):
 * placeholders {@code image} [B, C, H, W] in [−1, 1] and {@code eps} [B, latent, H/f, W/f] ~ N(0, 1);
 * z = mean + std · eps (the posterior's reparameterised sample, logvar clamped to [−30, 20] as diffusers does);
 * {@code rec_loss} = mean((decode(z) − image)²); {@code kl_loss} = KL(q(z|x) ‖ N(0, I)) summed over the latent
 * elements and averaged over the batch, as LDM's {@code DiagonalGaussianDistribution.kl()};
 * {@code loss} = rec_loss + klWeight · kl_loss / (H·W·C) — the KL per image pixel-channel, so the weight does not
 * depend on the image size. The graph shares the model's arrays.
 */
public final class VaeTraining {

    public static final String IMAGE = "image";
    public static final String EPS = "eps";
    public static final String RECONSTRUCTION = "reconstruction";
    public static final String REC_LOSS = "rec_loss";
    public static final String KL_LOSS = "kl_loss";
    public static final String LOSS = "loss";

    private VaeTraining() {
    }

    public static TrainingGraph graph(AutoencoderKL vae, long h, long w, double klWeight) {
        return graph(vae, h, w, klWeight, true);
    }

    /**
     * @param staticShapes pass the known sizes to the blocks (their training forms: GroupNorm without full-size
     *     broadcasting products, 37 % faster per toy VAE step); false builds the shape-agnostic forms (for tests)
     */
    static TrainingGraph graph(AutoencoderKL vae, long h, long w, double klWeight, boolean staticShapes) {
        AutoencoderKLConfig c = vae.config();
        int f = c.downscale();
        if (h % f != 0 || w % f != 0) {
            throw new IllegalArgumentException(w + "x" + h + " is not a multiple of the VAE's factor " + f);
        }
        SameDiff sd = Graphs.newTrainingSameDiff();
        Params p = Params.shared(sd, vae.params());
        int latent = c.latentChannels();
        SDVariable image = sd.placeHolder(IMAGE, DataType.FLOAT, -1, c.inChannels(), h, w);
        SDVariable eps = sd.placeHolder(EPS, DataType.FLOAT, -1, latent, h / f, w / f);
        SDVariable moments = Encoder.forward(p, "encoder", image, c, staticShapes ? new Size2d(h, w) : Size2d.UNKNOWN);
        if (c.useQuantConv()) {
            moments = Conv2d.forward(p, "quant_conv", moments, 2 * latent, 2 * latent, 1, 1, 0, true);
        }
        SDVariable mean = moments.get(SDIndex.all(), SDIndex.interval(0, latent), SDIndex.all(), SDIndex.all());
        SDVariable logvar = sd.math().clipByValue(
                moments.get(SDIndex.all(), SDIndex.interval(latent, 2 * latent), SDIndex.all(), SDIndex.all()), -30.0, 20.0);
        SDVariable var = sd.math().exp(logvar);
        SDVariable z = mean.add(sd.math().exp(logvar.mul(0.5)).mul(eps));
        if (c.usePostQuantConv()) {
            z = Conv2d.forward(p, "post_quant_conv", z, latent, latent, 1, 1, 0, true);
        }
        SDVariable rec = sd.identity(RECONSTRUCTION, Decoder.forward(p, "decoder", z, c,
                staticShapes ? new Size2d(h / f, w / f) : Size2d.UNKNOWN));
        SDVariable d = rec.sub(image);
        SDVariable recLoss = d.mul(d).mean(REC_LOSS);
        // 0.5 · Σ (μ² + σ² − 1 − log σ²) per sample, then the batch mean (positive axes only: M2.1)
        SDVariable klTerms = mean.mul(mean).add(var).sub(1.0).sub(logvar).mul(0.5);
        long latentElements = (long) latent * (h / f) * (w / f);
        SDVariable kl = sd.identity(KL_LOSS, klTerms.mean().mul(latentElements));
        recLoss.add(LOSS, kl.mul(klWeight / ((double) h * w * c.inChannels())));
        Map<String, String> train = new LinkedHashMap<>();
        for (String k : p.specs().keySet()) {
            train.put(k, p.varName(k));
        }
        return new TrainingGraph(sd, LOSS, train, p);
    }
}
