package dev.udadiffusion.diffusion.train;

import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.core.state.StateDict;
import dev.udadiffusion.core.train.AdamW;
import dev.udadiffusion.core.train.LrSchedule;
import dev.udadiffusion.core.train.NativeThreads;
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
            long logEvery, boolean resume, double emaDecay, boolean cacheLatents, Prior prior, Path latentCacheFile,
            double snrGamma) {

        public Options {
            if (snrGamma < 0 || Double.isNaN(snrGamma)) {
                throw new IllegalArgumentException("snr_gamma must be ≥ 0 (0: off), got " + snrGamma);
            }
        }

        public Options(Path data, String prompt, int resolution, long steps, int batch, int gradAccum, double lr,
                String lrSchedule, long warmup, double maxGradNorm, double weightDecay, double emptyPromptProb,
                boolean centerCrop, boolean flip, long seed, Path outDir, long checkpointEvery, int keepCheckpoints,
                long logEvery, boolean resume, double emaDecay, boolean cacheLatents) {
            this(data, prompt, resolution, steps, batch, gradAccum, lr, lrSchedule, warmup, maxGradNorm, weightDecay,
                    emptyPromptProb, centerCrop, flip, seed, outDir, checkpointEvery, keepCheckpoints, logEvery, resume,
                    emaDecay, cacheLatents, null, null, 0);
        }

        /** DreamBooth's prior preservation (null: off). */
        public Options withPrior(Prior p) {
            return new Options(data, prompt, resolution, steps, batch, gradAccum, lr, lrSchedule, warmup, maxGradNorm,
                    weightDecay, emptyPromptProb, centerCrop, flip, seed, outDir, checkpointEvery, keepCheckpoints,
                    logEvery, resume, emaDecay, cacheLatents, p, latentCacheFile, snrGamma);
        }

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
                    logEvery, resume, ema, cache, prior, latentCacheFile, snrGamma);
        }

        /**
         * Where the latent cache lives (default {@code outDir/latent-cache.safetensors}). Entries are keyed by image
         * content, so runs on overlapping image sets (e.g. a model trained on two domains, then one per domain) can
         * share one file and encode each image once.
         */
        public Options withLatentCacheFile(Path file) {
            return new Options(data, prompt, resolution, steps, batch, gradAccum, lr, lrSchedule, warmup, maxGradNorm,
                    weightDecay, emptyPromptProb, centerCrop, flip, seed, outDir, checkpointEvery, keepCheckpoints,
                    logEvery, resume, emaDecay, cacheLatents, prior, file, snrGamma);
        }

        /**
         * Min-SNR-γ loss weighting (Hang et al. 2023; diffusers' {@code --snr_gamma}, 5.0 recommended; 0 = off): each
         * sample's mse weighted by min(SNR(t), γ) / SNR(t) for ε-prediction, / (SNR(t) + 1) for v-prediction. With
         * prior preservation only the instance half is weighted, as train_dreambooth.py does.
         */
        public Options withSnrGamma(double gamma) {
            return new Options(data, prompt, resolution, steps, batch, gradAccum, lr, lrSchedule, warmup, maxGradNorm,
                    weightDecay, emptyPromptProb, centerCrop, flip, seed, outDir, checkpointEvery, keepCheckpoints,
                    logEvery, resume, emaDecay, cacheLatents, prior, latentCacheFile, gamma);
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

    /**
     * DreamBooth prior preservation: every batch also holds {@code batch} class images (captioned {@code prompt}),
     * and the loss is mse(instance) + {@code weight} · mse(class). Missing class images (fewer than {@code count} in
     * {@code data}) are generated first by the model being fine-tuned, before any step, with {@code steps} DDIM steps
     * and guidance 7.5 (as diffusers' train_dreambooth.py does), as {@code class-NNNNN.png}.
     */
    public record Prior(Path data, String prompt, double weight, int count, int steps) {
        public Prior {
            if (count < 1 || weight < 0 || steps < 1) {
                throw new IllegalArgumentException("prior preservation: count " + count + ", weight " + weight + ", steps " + steps);
            }
        }
    }

    private UNetFineTuning() {
    }

    /** Generates the class images {@code prior} still lacks with the (not yet fine-tuned) model. */
    static void ensureClassImages(Prior prior, UNet2DConditionModel unet, AutoencoderKL vae, PromptEncoder prompts,
            SchedulerConfig cfg, int resolution, long seed) {
        try {
            java.nio.file.Files.createDirectories(prior.data());
            long have;
            try (var s = java.nio.file.Files.list(prior.data())) {
                have = s.filter(f -> f.getFileName().toString().toLowerCase(java.util.Locale.ROOT).matches(".*\\.(png|jpe?g)")).count();
            }
            var pipe = new dev.udadiffusion.diffusion.pipeline.StableDiffusionPipeline(prompts, unet, vae,
                    () -> new dev.udadiffusion.diffusion.schedulers.DDIMScheduler(cfg));
            for (long i = have; i < prior.count(); i++) {
                var req = new dev.udadiffusion.diffusion.pipeline.GenerationRequest(List.of(prior.prompt()), null,
                        resolution, resolution, prior.steps(), 7.5, seed + i, null, 0, null, null);
                dev.udadiffusion.core.image.Images.write(dev.udadiffusion.core.image.Images.fromUnitTensor(
                        pipe.generate(req).images().slice(0)), prior.data().resolve(String.format("class-%05d.png", i)));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(prior.data() + ": " + e.getMessage(), e);
        }
    }

    public static TrainingLoop.History run(UNet2DConditionModel unet, AutoencoderKL vae, PromptEncoder prompts,
            SchedulerConfig noiseConfig, Options o, TrainingLoop.Listener listener) {
        ImageFolderData data = ImageFolderData.open(o.data(), o.prompt());
        DDPMScheduler noise = new DDPMScheduler(noiseConfig);
        int f = vae.config().downscale();
        int multiple = f * unet.config().sizeMultiple();
        int[] size = trainingSize(data, o.resolution());
        if (size[0] % multiple != 0 || size[1] % multiple != 0) {
            throw new IllegalArgumentException((o.resolution() > 0 ? "resolution " + o.resolution()
                    : "native image size " + size[0] + "x" + size[1] + " of " + data.dir()) + " must be a multiple of " + multiple);
        }
        if (o.resolution() <= 0 && o.prior() != null) {
            throw new IllegalArgumentException("prior preservation needs a square --resolution (class images are square)");
        }
        ImageFolderData classData = null;
        if (o.prior() != null) {
            if (o.cacheLatents()) {
                throw new IllegalArgumentException("prior preservation and cached latents do not go together yet");
            }
            ensureClassImages(o.prior(), unet, vae, prompts, noiseConfig, o.resolution(), o.seed());
            classData = ImageFolderData.open(o.prior().data(), o.prior().prompt());
        }
        long lh = size[1] / f;
        long lw = size[0] / f;
        // text embeddings once per distinct caption (the text encoder is frozen)
        Map<String, INDArray> emb = new HashMap<>();
        for (ImageFolderData.Item it : data.items()) {
            emb.computeIfAbsent(it.caption(), c -> prompts.encode(List.of(c), 0));
        }
        INDArray empty = emb.computeIfAbsent("", c -> prompts.encode(List.of(c), 0));
        if (classData != null) {
            for (ImageFolderData.Item it : classData.items()) {
                emb.computeIfAbsent(it.caption(), c -> prompts.encode(List.of(c), 0));
            }
        }
        TrainingGraph g = o.prior() != null || o.snrGamma() > 0 ? UNetTraining.weightedGraph(unet, lh, lw, k -> true)
                : UNetTraining.graph(unet, lh, lw, k -> true);
        List<String> names = new ArrayList<>(g.trainable().keySet());
        AdamW adam = new AdamW(List.of(new AdamW.Group("unet", names, 1.0, o.weightDecay())), 0.9, 0.999, 1e-8);
        Trainer trainer = new Trainer(g, adam, LrSchedule.named(o.lrSchedule(), o.warmup(), o.steps()), o.lr(), o.maxGradNorm());
        LatentCache cache = o.cacheLatents() ? LatentCache.build(data, vae, o.resolution(), o.flip(),
                o.latentCacheFile() != null ? o.latentCacheFile() : o.outDir().resolve("latent-cache.safetensors")) : null;
        ImageFolderData classes = classData;
        TrainingLoop.BatchSource source = (step, micro, rng) -> classes == null ? batch(data, vae, noise, emb, empty, o, rng, cache)
                : priorBatch(data, classes, vae, noise, emb, empty, o, rng);
        TrainingLoop.History h = TrainingLoop.run(trainer, source, new TrainingLoop.Options(o.steps(), o.gradAccum(), o.seed(),
                o.outDir(), o.checkpointEvery(), o.keepCheckpoints(), o.logEvery(), o.resume(), o.emaDecay()).withThreads(NativeThreads.forConvTraining()), listener);
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
        Map<String, INDArray> feeds = NoiseBatch.feeds(latents, Nd4j.concat(0, ctx.toArray(new INDArray[0])), noise, rng);
        if (o.snrGamma() > 0) {
            feeds.put(UNetTraining.LOSS_WEIGHT, Nd4j.createFromArray(
                    NoiseBatch.minSnrWeights(noise, feeds.get(UNet2DConditionModel.TIMESTEPS), o.snrGamma())).reshape(o.batch(), 1, 1, 1));
        }
        return feeds;
    }

    /** {@code batch} instance then {@code batch} class samples, weighted 2 and 2λ (see {@link UNetTraining#weightedGraph}). */
    private static Map<String, INDArray> priorBatch(ImageFolderData data, ImageFolderData classes, AutoencoderKL vae,
            DDPMScheduler noise, Map<String, INDArray> emb, INDArray empty, Options o, Rng rng) {
        List<INDArray> images = new ArrayList<>();
        List<INDArray> ctx = new ArrayList<>();
        for (ImageFolderData d : List.of(data, classes)) {
            for (int b = 0; b < o.batch(); b++) {
                int i = rng.nextInt(d.size());
                images.add(d.sample(i, o.resolution(), !o.centerCrop(), o.flip(), rng));
                boolean drop = d == data && o.emptyPromptProb() > 0 && rng.nextDouble() < o.emptyPromptProb();
                ctx.add(drop ? empty : emb.get(d.items().get(i).caption()));
            }
        }
        AutoencoderKL.Posterior post = vae.encode(Nd4j.concat(0, images.toArray(new INDArray[0])));
        INDArray latents = NoiseBatch.latents(post.mean(), post.std(), vae.config().scalingFactor(), rng);
        Map<String, INDArray> feeds = NoiseBatch.feeds(latents, Nd4j.concat(0, ctx.toArray(new INDArray[0])), noise, rng);
        float[] snr = o.snrGamma() > 0 ? NoiseBatch.minSnrWeights(noise, feeds.get(UNet2DConditionModel.TIMESTEPS), o.snrGamma())
                : null;
        float[] w = new float[2 * o.batch()];
        for (int b = 0; b < w.length; b++) {
            w[b] = b < o.batch() ? 2f * (snr != null ? snr[b] : 1f) : (float) (2 * o.prior().weight());
        }
        feeds.put(UNetTraining.LOSS_WEIGHT, Nd4j.createFromArray(w).reshape(w.length, 1, 1, 1));
        return feeds;
    }

    /**
     * Width and height of the training samples: resolution² for square crops, or (resolution 0) the images' own size,
     * which every image must share.
     */
    static int[] trainingSize(ImageFolderData data, int resolution) {
        if (resolution > 0) {
            return new int[] {resolution, resolution};
        }
        int[] first = null;
        for (ImageFolderData.Item it : data.items()) {
            int[] wh = dev.udadiffusion.core.image.Images.size(it.image());
            if (first == null) {
                first = wh;
            } else if (first[0] != wh[0] || first[1] != wh[1]) {
                throw new IllegalArgumentException(it.image() + ": " + wh[0] + "x" + wh[1] + ", but " + data.items().get(0).image()
                        + " is " + first[0] + "x" + first[1] + "; native-size training (resolution 0) needs one image size");
            }
        }
        return first;
    }

    /** Writes a diffusers unet/ folder: config.json and diffusion_pytorch_model.safetensors (atomically each). */
    public static void saveUnet(UNet2DConditionModel unet, Path folder) {
        StateDict.saveDiffusersFolder(unet.params(), Configs.toJson(unet.config()), folder);
    }

}
