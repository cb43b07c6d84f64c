package dev.udadiffusion.diffusion.vae;

import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.nn.Conv2d;
import dev.udadiffusion.core.nn.Graphs;
import dev.udadiffusion.core.state.Checkpoint;
import dev.udadiffusion.core.state.LoadReport;
import dev.udadiffusion.core.state.Params;
import dev.udadiffusion.core.state.PretrainedFolder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The Stable Diffusion VAE (diffusers {@code AutoencoderKL}) as one SameDiff graph with two entry points: images
 * (placeholder {@code image}, values in [-1, 1]) → posterior moments, and latents (placeholder {@code z}) → images.
 * The SD scaling factor is not applied here; pipelines apply {@link AutoencoderKLConfig#scalingFactor()}.
 *
 * <p>Owns its graph and arrays; not thread-safe.
 */
public final class AutoencoderKL implements AutoCloseable {

    /** Graph outputs. */
    public static final String MOMENTS = "vae.moments";
    public static final String MEAN = "vae.latent_mean";
    public static final String LOGVAR = "vae.latent_logvar";
    public static final String STD = "vae.latent_std";
    public static final String SAMPLE = "vae.latent_sample";
    public static final String DECODED = "vae.decoded";

    private final AutoencoderKLConfig config;
    private final SameDiff sd;
    private final Params params;
    private final LoadReport report;
    private boolean tiling;

    private AutoencoderKL(AutoencoderKLConfig config, SameDiff sd, Params params) {
        this.config = config;
        this.sd = sd;
        this.params = params;
        build();
        this.report = params.report();
    }

    /** A freshly initialised VAE (torch default initialisation, seeded). */
    public static AutoencoderKL random(AutoencoderKLConfig config, long seed) {
        SameDiff sd = Graphs.newSameDiff();
        return new AutoencoderKL(config, sd, Params.init(sd, DataType.FLOAT, seed));
    }

    /**
     * Loads weights in any supported naming (current or old diffusers, LDM single-file) from safetensors files, strictly:
     * a missing, unexpected or mis-shaped key fails with one error listing all of them.
     */
    public static AutoencoderKL load(AutoencoderKLConfig config, Path... weights) {
        try (Checkpoint ck = Checkpoint.open(sources -> VaeKeys.detect(sources, config.blockOutChannels().size()), weights)) {
            SameDiff sd = Graphs.newSameDiff();
            AutoencoderKL vae = new AutoencoderKL(config, sd, Params.loadStrict(sd, DataType.FLOAT, ck));
            vae.report.requireClean();
            return vae;
        }
    }

    /**
     * Loads a diffusers {@code vae/} folder: {@code config.json} and {@code diffusion_pytorch_model.safetensors}
     * (or its sharded index).
     */
    public static AutoencoderKL load(Path folder) {
        return load(AutoencoderKLConfig.read(PretrainedFolder.config(folder)),
                PretrainedFolder.weights(folder, PretrainedFolder.DIFFUSERS, false));
    }

    /** Writes a diffusers {@code vae/} folder that {@link #load(Path)} and diffusers' {@code from_pretrained} read. */
    public void save(Path folder) {
        PretrainedFolder.save(folder, Configs.toJson(config), params, PretrainedFolder.DIFFUSERS);
    }

    private void build() {
        AutoencoderKLConfig c = config;
        int latent = c.latentChannels();
        // encode: image -> moments -> posterior
        SDVariable image = sd.placeHolder("image", DataType.FLOAT, -1, c.inChannels(), -1, -1);
        SDVariable h = Encoder.forward(params, "encoder", image, c);
        SDVariable moments = c.useQuantConv()
                ? Conv2d.forward(params, "quant_conv", h, 2 * latent, 2 * latent, 1, 1, 0, true) : h;
        moments = sd.identity(MOMENTS, moments);
        SDVariable mean = sd.identity(MEAN, moments.get(SDIndex.all(), SDIndex.interval(0, latent), SDIndex.all(), SDIndex.all()));
        SDVariable logvar = sd.math().clipByValue(
                moments.get(SDIndex.all(), SDIndex.interval(latent, 2 * latent), SDIndex.all(), SDIndex.all()), -30.0, 20.0);
        logvar = sd.identity(LOGVAR, logvar);
        SDVariable std = sd.math().exp(STD, logvar.mul(0.5));
        SDVariable eps = sd.placeHolder("eps", DataType.FLOAT, -1, latent, -1, -1);
        mean.add(SAMPLE, std.mul(eps));
        // decode: z -> image
        SDVariable z = sd.placeHolder("z", DataType.FLOAT, -1, latent, -1, -1);
        SDVariable zq = c.usePostQuantConv()
                ? Conv2d.forward(params, "post_quant_conv", z, latent, latent, 1, 1, 0, true) : z;
        sd.identity(DECODED, Decoder.forward(params, "decoder", zq, c));
    }

    public AutoencoderKLConfig config() {
        return config;
    }

    public SameDiff sameDiff() {
        return sd;
    }

    public Params params() {
        return params;
    }

    /** What loading found (clean for a strict load). */
    public LoadReport loadReport() {
        return report;
    }

    /** The diagonal Gaussian posterior q(z | x): moments = [mean | logvar before clamping] on the channel axis. */
    public record Posterior(INDArray moments, INDArray mean, INDArray logvar, INDArray std) {
        /** mean + std · eps. */
        public INDArray sample(INDArray eps) {
            return mean.add(std.mul(eps));
        }
    }

    /**
     * Tiled encode/decode for large images (diffusers' {@code enable_tiling}): inputs larger than one tile
     * ({@code sample_size} pixels, {@code sample_size / 8} latents) are processed in overlapping tiles, so memory stays
     * bounded; results differ slightly from untiled processing near tile borders.
     */
    public AutoencoderKL setTiling(boolean enabled) {
        this.tiling = enabled;
        return this;
    }

    public boolean tiling() {
        return tiling;
    }

    private static final double TILE_OVERLAP = 0.25;

    /** Encodes images [B, 3, H, W] in [-1, 1]; H and W must be multiples of the downscale factor. */
    public Posterior encode(INDArray image) {
        checkImage(image);
        int tile = config.sampleSize();
        if (tiling && (image.size(2) > tile || image.size(3) > tile)) {
            INDArray moments = VaeTiling.tiled(image, tile, tile / config.downscale(), TILE_OVERLAP,
                    t -> sd.output(Map.of("image", t.castTo(DataType.FLOAT)), MOMENTS).get(MOMENTS));
            return posterior(moments);
        }
        Map<String, INDArray> o = sd.output(Map.of("image", image.castTo(DataType.FLOAT)), MOMENTS, MEAN, LOGVAR, STD);
        return new Posterior(o.get(MOMENTS), o.get(MEAN), o.get(LOGVAR), o.get(STD));
    }

    /** The posterior of given moments [B, 2·latent, h, w] (eager, same formulas as the graph). */
    public Posterior posterior(INDArray moments) {
        long l = config.latentChannels();
        INDArray mean = moments.get(NDArrayIndex.all(),
                NDArrayIndex.interval(0, l)).dup();
        INDArray logvar = Transforms.max(Transforms.min(
                moments.get(NDArrayIndex.all(),
                        NDArrayIndex.interval(l, 2 * l)).dup(), 20.0), -30.0);
        INDArray std = Transforms.exp(logvar.mul(0.5));
        return new Posterior(moments, mean, logvar, std);
    }

    /** Decodes latents [B, latent, h, w] (unscaled) to images in about [-1, 1]. */
    public INDArray decode(INDArray z) {
        if (z.rank() != 4 || z.size(1) != config.latentChannels()) {
            throw new IllegalArgumentException("latents must be [B, " + config.latentChannels() + ", h, w], got "
                    + Arrays.toString(z.shape()));
        }
        int tile = config.sampleSize() / config.downscale();
        if (tiling && (z.size(2) > tile || z.size(3) > tile)) {
            return VaeTiling.tiled(z, tile, config.sampleSize(), TILE_OVERLAP,
                    t -> sd.output(Map.of("z", t.castTo(DataType.FLOAT)), DECODED).get(DECODED));
        }
        return sd.output(Map.of("z", z.castTo(DataType.FLOAT)), DECODED).get(DECODED);
    }

    private void checkImage(INDArray image) {
        int f = config.downscale();
        if (image.rank() != 4 || image.size(1) != config.inChannels()) {
            throw new IllegalArgumentException("images must be [B, " + config.inChannels() + ", H, W], got "
                    + Arrays.toString(image.shape()));
        }
        if (image.size(2) % f != 0 || image.size(3) % f != 0) {
            throw new IllegalArgumentException("image height and width must be multiples of " + f + ", got "
                    + image.size(2) + "x" + image.size(3));
        }
    }

    @Override
    public void close() {
        params.release();
    }
}
