package dev.udadiffusion.diffusion.pipeline;

import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.diffusion.clip.PromptEncoder;
import dev.udadiffusion.diffusion.schedulers.Scheduler;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import dev.udadiffusion.diffusion.vae.AutoencoderKL;
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

    /** Latents before decoding, the decoded images ([B, 3, H, W] in about [-1, 1]) and the images in [0, 1]. */
    public record Result(INDArray latents, INDArray decoded, INDArray images) {
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
                java.util.List<String> neg = req.negativePrompts();
                if (neg == null) {
                    neg = java.util.Collections.nCopies((int) batch, "");
                }
                uncond = prompts.encode(neg, req.clipSkip());
            }
            emb = Nd4j.concat(0, uncond, cond);
        }
        // 2. timesteps
        Scheduler s = schedulers.get();
        s.setTimesteps(req.steps());
        double[] ts = s.timesteps();
        // 3. initial latents: given or seeded N(0, 1), times the scheduler's init σ
        Rng rng = new Rng(req.seed());
        long h = req.height() / 8;
        long w = req.width() / 8;
        long c = unet.config().inChannels();
        INDArray x = req.latents() != null ? req.latents().castTo(DataType.FLOAT) : rng.gaussian(batch, c, h, w);
        if (x.size(0) != batch || x.size(2) != h || x.size(3) != w) {
            throw new IllegalArgumentException("latents " + java.util.Arrays.toString(x.shape()) + " do not fit batch "
                    + batch + " at " + req.width() + "x" + req.height());
        }
        x = x.mul(s.initNoiseSigma());
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
        return new Result(x, decoded, images);
    }
}
