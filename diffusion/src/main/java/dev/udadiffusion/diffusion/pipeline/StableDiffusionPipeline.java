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
        boolean cfg = req.classifierFree();
        // 1. text embeddings: [uncond; cond] for guidance, else cond
        INDArray cond = req.promptEmbeds() != null ? req.promptEmbeds() : prompts.encode(req.prompts(), req.clipSkip());
        long batch = cond.size(0);
        INDArray emb = cond;
        if (cfg) {
            INDArray uncond = req.negativeEmbeds();
            if (uncond == null) {
                List<String> neg = req.negativePrompts();
                if (neg == null) {
                    neg = Collections.nCopies((int) batch, "");
                }
                uncond = prompts.encode(neg, req.clipSkip());
            }
            emb = Nd4j.concat(0, uncond, cond);
        }
        // 2. timesteps (img2img: only the last init_timestep = int(n · strength) of them)
        Scheduler s = schedulers.get();
        s.setTimesteps(req.steps());
        double[] ts = s.timesteps();
        Rng rng = new Rng(req.seed());
        int f = vae.config().downscale();
        if (req.height() % f != 0 || req.width() % f != 0) {
            throw new IllegalArgumentException(req.width() + "x" + req.height() + " is not a multiple of the VAE's factor " + f);
        }
        long h = req.height() / f;
        long w = req.width() / f;
        long c = unet.config().inChannels();
        INDArray x;
        INDArray init = null;
        GenerationRequest.Img2Img i2i = req.img2img();
        if (i2i != null) {
            int n = ts.length;
            int initSteps = Math.min((int) (req.steps() * i2i.strength()), req.steps()); // int() truncates, as in diffusers
            int tStart = Math.max(req.steps() - initSteps, 0);
            ts = Arrays.copyOfRange(ts, Math.min(tStart, n), n);
            if (ts.length == 0) {
                throw new IllegalArgumentException("strength " + i2i.strength() + " with " + req.steps()
                        + " steps leaves no denoising step");
            }
            s.setBeginIndex(tStart);
            // 3. init latents: encode 2·image − 1, sample the posterior, scale, noise to the first timestep
            INDArray img = i2i.image().castTo(DataType.FLOAT);
            if (img.size(0) != batch || img.size(2) != req.height() || img.size(3) != req.width()) {
                throw new IllegalArgumentException("init image " + Arrays.toString(img.shape())
                        + " does not fit batch " + batch + " at " + req.width() + "x" + req.height());
            }
            AutoencoderKL.Posterior post = vae.encode(img.mul(2).subi(1));
            INDArray eps = i2i.posteriorEps() != null ? i2i.posteriorEps() : rng.gaussian(post.mean().shape());
            init = post.sample(eps).muli(vae.config().scalingFactor());
            INDArray noise = i2i.noise() != null ? i2i.noise() : rng.gaussian(init.shape());
            INDArray t0 = Nd4j.valueArrayOf(new long[] {batch}, ts[0], DataType.DOUBLE);
            x = s.addNoise(init, noise, t0);
        } else {
            // 3. initial latents: given or seeded N(0, 1), times the scheduler's init σ
            x = req.latents() != null ? req.latents().castTo(DataType.FLOAT) : rng.gaussian(batch, c, h, w);
            if (x.size(0) != batch || x.size(2) != h || x.size(3) != w) {
                throw new IllegalArgumentException("latents " + Arrays.toString(x.shape()) + " do not fit batch "
                        + batch + " at " + req.width() + "x" + req.height());
            }
            x = x.mul(s.initNoiseSigma());
        }
        INDArray start = x;
        // 4. denoising loop
        for (int i = 0; i < ts.length; i++) {
            double t = ts[i];
            INDArray xin = cfg ? Nd4j.concat(0, x, x) : x;
            xin = s.scaleModelInput(xin, t);
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
        // 5. decode
        INDArray decoded = vae.decode(x.div(vae.config().scalingFactor()));
        INDArray images = Transforms.min(Transforms.max(decoded.div(2).addi(0.5), 0.0), 1.0);
        return new Result(x, decoded, images, start, init, ts);
    }
}
