package dev.udadiffusion.diffusion.pipeline;

import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.diffusion.clip.PromptEncoder;
import dev.udadiffusion.diffusion.schedulers.Scheduler;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import dev.udadiffusion.diffusion.vae.AutoencoderKL;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Text-to-image with classifier-free guidance, step for step as diffusers' {@code StableDiffusionPipeline}
 * (and, with a {@link ResidualHook}, {@code StableDiffusionControlNetPipeline}). The loop is explicit below; each
 * {@link #generate} call takes a fresh scheduler from the supplier (schedulers are stateful).
 */
public final class StableDiffusionPipeline {

    private final PromptEncoder prompts;
    private final UNet2DConditionModel unet;
    private final AutoencoderKL vae;
    private final Supplier<Scheduler> schedulers;

    /**
     * Latents before decoding, the decoded images ([B, 3, H, W] in about [-1, 1]), the images in [0, 1], the latents
     * the loop started from, and for img2img the encoded (scaled) init latents before noising.
     */
    public record Result(INDArray latents, INDArray decoded, INDArray images, INDArray startLatents, INDArray initLatents,
            double[] timesteps) {
    }

    public StableDiffusionPipeline(PromptEncoder prompts, UNet2DConditionModel unet, AutoencoderKL vae,
            Supplier<Scheduler> schedulers) {
        this.prompts = prompts;
        this.unet = unet;
        this.vae = vae;
        this.schedulers = schedulers;
    }

    public UNet2DConditionModel unet() {
        return unet;
    }

    public AutoencoderKL vae() {
        return vae;
    }

    public PromptEncoder promptEncoder() {
        return prompts;
    }

    public Result generate(GenerationRequest req) {
        return generate(req, null, StepCallback.NONE);
    }

    public Result generate(GenerationRequest req, ResidualHook hook, StepCallback callback) {
        INDArray cond = req.promptEmbeds() != null ? req.promptEmbeds() : prompts.encode(req.prompts(), req.clipSkip());
        long batch = cond.size(0);
        INDArray emb = withUnconditional(req, cond);
        Scheduler s = schedulers.get();
        s.setTimesteps(req.steps());
        Rng rng = new Rng(req.seed());
        Start st = req.img2img() != null ? img2imgStart(req, s, rng, batch) : noiseStart(req, s, rng, batch);
        INDArray x = denoise(req, s, rng, st, emb, batch, hook, callback);
        // 5. decode
        INDArray decoded = vae.decode(x.div(vae.config().scalingFactor()));
        INDArray images = Transforms.min(Transforms.max(decoded.div(2).addi(0.5), 0.0), 1.0);
        return new Result(x, decoded, images, st.x(), st.init(), st.timesteps());
    }

    /** 1. Text embeddings: [uncond; cond] for guidance, else cond. */
    private INDArray withUnconditional(GenerationRequest req, INDArray cond) {
        if (!req.classifierFree()) {
            return cond;
        }
        INDArray uncond = req.negativeEmbeds();
        if (uncond == null) {
            List<String> neg = req.negativePrompts();
            if (neg == null) {
                neg = Collections.nCopies((int) cond.size(0), "");
            }
            uncond = prompts.encode(neg, req.clipSkip());
        }
        return Nd4j.concat(0, uncond, cond);
    }

    /** Where denoising starts: the latents, the clean init latents (img2img only) and the timesteps to run. */
    private record Start(INDArray x, INDArray init, double[] timesteps) {
    }

    /**
     * Image sides must be multiples of this: the VAE's factor times the U-Net's (2 per downsampler; 64 for SD1.5), as
     * the U-Net here needs latents that halve exactly at every level.
     */
    public int sizeMultiple() {
        return vae.config().downscale() * unet.config().sizeMultiple();
    }

    /** Fails, naming the size and the multiple, when this model cannot generate {@code width}×{@code height}. */
    public void checkSize(int width, int height) {
        int m = sizeMultiple();
        if (width % m != 0 || height % m != 0) {
            throw new IllegalArgumentException(width + "x" + height + ": this model generates sizes whose sides are "
                    + "multiples of " + m + " (VAE ×" + vae.config().downscale() + ", U-Net ×" + unet.config().sizeMultiple()
                    + ")");
        }
    }

    /** The latent size for the request, checked against the VAE's and the U-Net's factors. */
    private long[] latentSize(GenerationRequest req) {
        checkSize(req.width(), req.height());
        int f = vae.config().downscale();
        return new long[] {req.height() / f, req.width() / f};
    }

    /** 2–3. Text-to-image: the given latents or seeded N(0, 1), times the scheduler's init σ; every timestep. */
    private Start noiseStart(GenerationRequest req, Scheduler s, Rng rng, long batch) {
        long[] hw = latentSize(req);
        long c = unet.config().inChannels();
        INDArray x = req.latents() != null ? req.latents().castTo(DataType.FLOAT) : rng.gaussian(batch, c, hw[0], hw[1]);
        if (x.size(0) != batch || x.size(2) != hw[0] || x.size(3) != hw[1]) {
            throw new IllegalArgumentException("latents " + Arrays.toString(x.shape()) + " do not fit batch "
                    + batch + " at " + req.width() + "x" + req.height());
        }
        return new Start(x.mul(s.initNoiseSigma()), null, s.timesteps());
    }

    /**
     * 2–3. Image-to-image: only the last init_timestep = int(n · strength) timesteps; the init latents are the VAE
     * posterior of 2·image − 1 sampled and scaled, noised to the first of them (diffusers' draw order: posterior, noise).
     */
    private Start img2imgStart(GenerationRequest req, Scheduler s, Rng rng, long batch) {
        latentSize(req);
        GenerationRequest.Img2Img i2i = req.img2img();
        double[] ts = s.timesteps();
        int n = ts.length;
        int initSteps = Math.min((int) (req.steps() * i2i.strength()), req.steps()); // int() truncates, as in diffusers
        int tStart = Math.max(req.steps() - initSteps, 0);
        ts = Arrays.copyOfRange(ts, Math.min(tStart, n), n);
        if (ts.length == 0) {
            throw new IllegalArgumentException("strength " + i2i.strength() + " with " + req.steps()
                    + " steps leaves no denoising step");
        }
        s.setBeginIndex(tStart);
        INDArray img = i2i.image().castTo(DataType.FLOAT);
        if (img.size(0) != batch || img.size(2) != req.height() || img.size(3) != req.width()) {
            throw new IllegalArgumentException("init image " + Arrays.toString(img.shape())
                    + " does not fit batch " + batch + " at " + req.width() + "x" + req.height());
        }
        AutoencoderKL.Posterior post = vae.encode(img.mul(2).subi(1));
        INDArray eps = i2i.posteriorEps() != null ? i2i.posteriorEps() : rng.gaussian(post.mean().shape());
        INDArray init = post.sample(eps).muli(vae.config().scalingFactor());
        INDArray noise = i2i.noise() != null ? i2i.noise() : rng.gaussian(init.shape());
        INDArray t0 = Nd4j.valueArrayOf(new long[] {batch}, ts[0], DataType.DOUBLE);
        return new Start(s.addNoise(init, noise, t0), init, ts);
    }

    /** 4. The denoising loop: U-Net (with the hook's residuals), guidance u + s·(c − u), scheduler step. */
    private INDArray denoise(GenerationRequest req, Scheduler s, Rng rng, Start st, INDArray emb, long batch,
            ResidualHook hook, StepCallback callback) {
        boolean cfg = req.classifierFree();
        double[] ts = st.timesteps();
        INDArray x = st.x();
        for (int i = 0; i < ts.length; i++) {
            double t = ts[i];
            INDArray xin = s.scaleModelInput(cfg ? Nd4j.concat(0, x, x) : x, t);
            ResidualHook.Residuals r = hook == null ? null : hook.residuals(xin, t, emb, i, ts.length);
            INDArray tIn = Nd4j.createFromArray((float) t);
            INDArray eps = r == null ? unet.predict(xin, tIn, emb) : unet.predict(xin, tIn, emb, r.down(), r.mid());
            INDArray guided = eps;
            INDArray u = null;
            INDArray ct = null;
            if (cfg) {
                u = eps.get(NDArrayIndex.interval(0, batch)).dup();
                ct = eps.get(NDArrayIndex.interval(batch, 2 * batch)).dup();
                guided = u.add(ct.sub(u).muli(req.guidanceScale())); // u + s (c - u)
            }
            INDArray noise = s.isStochastic() ? rng.gaussian(x.shape()) : null;
            x = s.step(guided, t, x, noise).prevSample();
            callback.onStep(new StepCallback.StepState(i, ts.length, t, x, guided, u, ct));
        }
        return x;
    }
}
