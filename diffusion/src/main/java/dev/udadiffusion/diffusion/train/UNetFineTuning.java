package dev.udadiffusion.diffusion.train;

import dev.udadiffusion.core.io.AtomicFiles;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.core.state.StateDict;
import dev.udadiffusion.core.train.AdamW;
import dev.udadiffusion.core.train.LrSchedule;
import dev.udadiffusion.core.train.Trainer;
import dev.udadiffusion.core.train.TrainingGraph;
import dev.udadiffusion.core.train.TrainingLoop;
import dev.udadiffusion.diffusion.clip.PromptEncoder;
import dev.udadiffusion.diffusion.schedulers.DDPMScheduler;
import dev.udadiffusion.diffusion.schedulers.SchedulerConfig;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import dev.udadiffusion.diffusion.vae.AutoencoderKL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DreamBooth-style domain fine-tuning of a U-Net (thesis §3.4): noise-prediction training on a folder of domain images
 * with a fixed (possibly empty) prompt, text encoder and VAE frozen. Per step and image: resize/crop/flip, VAE
 * posterior sample × scaling factor, t ~ U{0..N−1}, noise ~ N(0, I), MSE against ε (or v). The result is a diffusers
 * {@code unet/} folder loadable wherever a U-Net is.
 */
public final class UNetFineTuning {

    /** Options; diffusers' defaults where it has them. */
    public record Options(Path data, String prompt, int resolution, long steps, int batch, int gradAccum, double lr,
            String lrSchedule, long warmup, double maxGradNorm, double weightDecay, double emptyPromptProb,
            boolean centerCrop, boolean flip, long seed, Path outDir, long checkpointEvery, int keepCheckpoints,
            long logEvery, boolean resume, double emaDecay, boolean cacheLatents) {

        public Options(Path data, String prompt, int resolution, long steps, int batch, int gradAccum, double lr,
                String lrSchedule, long warmup, double maxGradNorm, double weightDecay, double emptyPromptProb,
                boolean centerCrop, boolean flip, long seed, Path outDir, long checkpointEvery, int keepCheckpoints,
                long logEvery, boolean resume) {
            this(data, prompt, resolution, steps, batch, gradAccum, lr, lrSchedule, warmup, maxGradNorm, weightDecay,
                    emptyPromptProb, centerCrop, flip, seed, outDir, checkpointEvery, keepCheckpoints, logEvery, resume, 0, false);
        }

        /** EMA of the weights (0 = off) and cached VAE latents (implies centre crops). */
        public Options withEmaAndCache(double ema, boolean cache) {
            return new Options(data, prompt, resolution, steps, batch, gradAccum, lr, lrSchedule, warmup, maxGradNorm,
                    weightDecay, emptyPromptProb, centerCrop || cache, flip, seed, outDir, checkpointEvery, keepCheckpoints,
                    logEvery, resume, ema, cache);
        }

        /** lr 2e−6 constant, batch 1, 400 steps, resolution 512, as the DreamBooth script defaults. */
        public static Options defaults(Path data, Path outDir) {
            return new Options(data, "", 512, 400, 1, 1, 2e-6, "constant", 0, 1.0, 1e-2, 0.0, false, true, 0, outDir, 500, 2,
                    50, false);
        }

        public Options with(long steps, int resolution, double lr, int batch) {
            return new Options(data, prompt, resolution, steps, batch, gradAccum, lr, lrSchedule, warmup, maxGradNorm,
                    weightDecay, emptyPromptProb, centerCrop, flip, seed, outDir, checkpointEvery, keepCheckpoints, logEvery,
                    resume);
        }

        public Options withResume(boolean r, long checkpointEvery) {
            return new Options(data, prompt, resolution, steps, batch, gradAccum, lr, lrSchedule, warmup, maxGradNorm,
                    weightDecay, emptyPromptProb, centerCrop, flip, seed, outDir, checkpointEvery, keepCheckpoints, logEvery, r);
        }
    }

    private UNetFineTuning() {
    }

    public static TrainingLoop.History run(UNet2DConditionModel unet, AutoencoderKL vae, PromptEncoder prompts,
            SchedulerConfig noiseConfig, Options o, TrainingLoop.Listener listener) {
        ImageFolderData data = ImageFolderData.open(o.data(), o.prompt());
        DDPMScheduler noise = new DDPMScheduler(noiseConfig);
        int f = vae.config().downscale();
        if (o.resolution() % (f * unet.config().sizeMultiple()) != 0) {
            throw new IllegalArgumentException("resolution " + o.resolution() + " must be a multiple of "
                    + f * unet.config().sizeMultiple());
        }
        long lh = o.resolution() / f;
        // text embeddings once per distinct caption (the text encoder is frozen)
        Map<String, INDArray> emb = new HashMap<>();
        for (ImageFolderData.Item it : data.items()) {
            emb.computeIfAbsent(it.caption(), c -> prompts.encode(List.of(c), 0));
        }
        INDArray empty = emb.computeIfAbsent("", c -> prompts.encode(List.of(c), 0));
        TrainingGraph g = UNetTraining.graph(unet, lh, lh, k -> true);
        List<String> names = new ArrayList<>(g.trainable().keySet());
        AdamW adam = new AdamW(List.of(new AdamW.Group("unet", names, 1.0, o.weightDecay())), 0.9, 0.999, 1e-8);
        Trainer trainer = new Trainer(g, adam, LrSchedule.named(o.lrSchedule(), o.warmup(), o.steps()), o.lr(), o.maxGradNorm());
        LatentCache cache = o.cacheLatents() ? LatentCache.build(data, vae, o.resolution(), o.flip(),
                o.outDir().resolve("latent-cache.safetensors")) : null;
        TrainingLoop.BatchSource source = (step, micro, rng) -> batch(data, vae, noise, emb, empty, o, rng, cache);
        TrainingLoop.History h = TrainingLoop.run(trainer, source, new TrainingLoop.Options(o.steps(), o.gradAccum(), o.seed(),
                o.outDir(), o.checkpointEvery(), o.keepCheckpoints(), o.logEvery(), o.resume(), o.emaDecay()), listener);
        if (h.ema() != null) {
            // as diffusers' --use_ema: the averaged weights are the result
            h.ema().weights().forEach((k, v) -> g.parameterArrays().get(k).assign(v));
        }
        saveUnet(unet, o.outDir().resolve("unet"));
        return h;
    }

    private static Map<String, INDArray> batch(ImageFolderData data, AutoencoderKL vae, DDPMScheduler noise,
            Map<String, INDArray> emb, INDArray empty, Options o, Rng rng, LatentCache cache) {
        List<INDArray> images = new ArrayList<>();
        List<INDArray> ctx = new ArrayList<>();
        List<INDArray> means = new ArrayList<>();
        List<INDArray> stds = new ArrayList<>();
        for (int b = 0; b < o.batch(); b++) {
            int i = rng.nextInt(data.size());
            if (cache != null) {
                boolean flip = o.flip() && rng.nextDouble() < 0.5;
                means.add(cache.mean(i, flip));
                stds.add(cache.std(i, flip));
            } else {
                images.add(data.sample(i, o.resolution(), !o.centerCrop(), o.flip(), rng));
            }
            boolean drop = o.emptyPromptProb() > 0 && rng.nextDouble() < o.emptyPromptProb();
            ctx.add(drop ? empty : emb.get(data.items().get(i).caption()));
        }
        INDArray mean;
        INDArray std;
        if (cache != null) {
            mean = Nd4j.concat(0, means.toArray(new INDArray[0]));
            std = Nd4j.concat(0, stds.toArray(new INDArray[0]));
        } else {
            AutoencoderKL.Posterior post = vae.encode(Nd4j.concat(0, images.toArray(new INDArray[0])));
            mean = post.mean();
            std = post.std();
        }
        INDArray latents = NoiseBatch.latents(mean, std, vae.config().scalingFactor(), rng);
        return NoiseBatch.feeds(latents, Nd4j.concat(0, ctx.toArray(new INDArray[0])), noise, rng);
    }

    /** Writes a diffusers unet/ folder: config.json and diffusion_pytorch_model.safetensors (atomically each). */
    public static void saveUnet(UNet2DConditionModel unet, Path folder) {
        AtomicFiles.writeString(folder.resolve("config.json"), Configs.toJson(unet.config()));
        StateDict.save(unet.params(), folder.resolve("diffusion_pytorch_model.safetensors"), k -> true);
    }

}
