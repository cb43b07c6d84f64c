package dev.udadiffusion.diffusion.train;

import dev.udadiffusion.core.train.AdamW;
import dev.udadiffusion.core.train.LrSchedule;
import dev.udadiffusion.core.train.NativeThreads;
import dev.udadiffusion.core.train.Trainer;
import dev.udadiffusion.core.train.TrainingGraph;
import dev.udadiffusion.core.train.TrainingLoop;
import dev.udadiffusion.core.train.TrainingSettings;
import dev.udadiffusion.diffusion.clip.PromptEncoder;
import dev.udadiffusion.diffusion.schedulers.DDPMScheduler;
import dev.udadiffusion.diffusion.schedulers.SchedulerConfig;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import dev.udadiffusion.diffusion.vae.AutoencoderKL;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DreamBooth-style domain fine-tuning of a U-Net (thesis §3.4): noise-prediction training on a folder of domain images
 * with a fixed (possibly empty) prompt, text encoder and VAE frozen. Per step and image: resize/crop/flip, VAE
 * posterior sample × scaling factor, t ~ U{0..N−1}, noise ~ N(0, I), MSE against ε (or v). The result is a diffusers
 * {@code unet/} folder loadable wherever a U-Net is.
 */
public final class UNetFineTuning {

    /**
     * What to train on and how; diffusers' train_dreambooth.py defaults where it has them ({@link #builder}).
     *
     * @param cacheLatents encode each image (and its flip) once with the VAE (implies centre crops)
     * @param latentCacheFile where the latent cache lives (null: {@code outDir/latent-cache.safetensors}); entries are
     *     keyed by image content, so runs on overlapping image sets can share one file and encode each image once
     * @param prior DreamBooth's prior preservation (null: off)
     * @param snrGamma Min-SNR-γ loss weighting (Hang et al. 2023; diffusers' {@code --snr_gamma}, 5.0 recommended; 0 =
     *     off): each sample's mse weighted by min(SNR(t), γ) / SNR(t) for ε-prediction, / (SNR(t) + 1) for v-prediction;
     *     with prior preservation only the instance half is weighted, as train_dreambooth.py does
     */
    public record Options(Images images, int batch, TrainingSettings training, boolean cacheLatents, Path latentCacheFile,
            Prior prior, double snrGamma) {

        public Options {
            if (snrGamma < 0 || Double.isNaN(snrGamma)) {
                throw new IllegalArgumentException("snr_gamma must be ≥ 0 (0: off), got " + snrGamma);
            }
            if (batch < 1) {
                throw new IllegalArgumentException("batch must be at least 1, got " + batch);
            }
            if (cacheLatents && !images.centerCrop()) {
                images = new Images(images.dir(), images.prompt(), images.resolution(), true, images.flip(),
                        images.emptyPromptProb());
            }
        }

        /**
         * The training images and how a sample is made of one.
         *
         * @param resolution square crop size (0: the images' own size, which they must share)
         * @param emptyPromptProb probability of training a sample with the empty prompt instead of its caption
         */
        public record Images(Path dir, String prompt, int resolution, boolean centerCrop, boolean flip,
                double emptyPromptProb) {
        }

        /**
         * DreamBooth's defaults: empty prompt, resolution 512, random crops and flips, batch 1, 400 steps at a constant
         * lr of 2e−6, clipping 1.0, weight decay 0.01, a checkpoint every 500 steps (2 kept).
         */
        public static Builder builder(Path data, Path outDir) {
            return new Builder(new Images(data, "", 512, false, true, 0.0), 1, TrainingSettings.builder(outDir).steps(400)
                    .lr(2e-6).checkpointEvery(500).build(), false, null, null, 0);
        }

        /** A builder holding these options, to change some of them. */
        public Builder toBuilder() {
            return new Builder(images, batch, training, cacheLatents, latentCacheFile, prior, snrGamma);
        }
    }

    /** Builds {@link Options}; every setter returns the builder. */
    public static final class Builder {
        private Path data;
        private String prompt;
        private int resolution;
        private boolean centerCrop;
        private boolean flip;
        private double emptyPromptProb;
        private int batch;
        private TrainingSettings training;
        private boolean cacheLatents;
        private Path latentCacheFile;
        private Prior prior;
        private double snrGamma;

        private Builder(Options.Images im, int batch, TrainingSettings training, boolean cacheLatents, Path latentCacheFile,
                Prior prior, double snrGamma) {
            this.data = im.dir();
            this.prompt = im.prompt();
            this.resolution = im.resolution();
            this.centerCrop = im.centerCrop();
            this.flip = im.flip();
            this.emptyPromptProb = im.emptyPromptProb();
            this.batch = batch;
            this.training = training;
            this.cacheLatents = cacheLatents;
            this.latentCacheFile = latentCacheFile;
            this.prior = prior;
            this.snrGamma = snrGamma;
        }

        public Builder data(Path v) {
            data = v;
            return this;
        }

        public Builder prompt(String v) {
            prompt = v;
            return this;
        }

        public Builder resolution(int v) {
            resolution = v;
            return this;
        }

        public Builder centerCrop(boolean v) {
            centerCrop = v;
            return this;
        }

        public Builder flip(boolean v) {
            flip = v;
            return this;
        }

        public Builder emptyPromptProb(double v) {
            emptyPromptProb = v;
            return this;
        }

        public Builder batch(int v) {
            batch = v;
            return this;
        }

        public Builder training(TrainingSettings v) {
            training = v;
            return this;
        }

        /** Changes some training settings: {@code .training(t -> t.steps(150).lr(1e-4))}. */
        public Builder training(UnaryOperator<TrainingSettings.Builder> edit) {
            training = edit.apply(training.toBuilder()).build();
            return this;
        }

        public Builder cacheLatents(boolean v) {
            cacheLatents = v;
            return this;
        }

        public Builder latentCacheFile(Path v) {
            latentCacheFile = v;
            return this;
        }

        public Builder prior(Prior v) {
            prior = v;
            return this;
        }

        public Builder snrGamma(double v) {
            snrGamma = v;
            return this;
        }

        public Options build() {
            return new Options(new Options.Images(data, prompt, resolution, centerCrop, flip, emptyPromptProb), batch,
                    training, cacheLatents, latentCacheFile, prior, snrGamma);
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

    public static TrainingLoop.History run(UNet2DConditionModel unet, AutoencoderKL vae, PromptEncoder prompts,
            SchedulerConfig noiseConfig, Options o, TrainingLoop.Listener listener) {
        ImageFolderData data = ImageFolderData.open(o.images().dir(), o.images().prompt());
        DDPMScheduler noise = new DDPMScheduler(noiseConfig);
        int f = vae.config().downscale();
        int multiple = f * unet.config().sizeMultiple();
        int[] size = trainingSize(data, o.images().resolution());
        if (size[0] % multiple != 0 || size[1] % multiple != 0) {
            throw new IllegalArgumentException((o.images().resolution() > 0 ? "resolution " + o.images().resolution()
                    : "native image size " + size[0] + "x" + size[1] + " of " + data.dir()) + " must be a multiple of " + multiple);
        }
        if (o.images().resolution() <= 0 && o.prior() != null) {
            throw new IllegalArgumentException("prior preservation needs a square --resolution (class images are square)");
        }
        ImageFolderData classData = null;
        if (o.prior() != null) {
            if (o.cacheLatents()) {
                throw new IllegalArgumentException("prior preservation and cached latents do not go together yet");
            }
            UNetBatches.ensureClassImages(o.prior(), unet, vae, prompts, noiseConfig, o.images().resolution(), o.training().seed());
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
        AdamW adam = new AdamW(List.of(new AdamW.Group("unet", names, 1.0, o.training().optimizer().weightDecay())), 0.9, 0.999, 1e-8);
        Trainer trainer = new Trainer(g, adam, LrSchedule.named(o.training().optimizer().lrSchedule(), o.training().optimizer().warmup(), o.training().steps()), o.training().optimizer().lr(), o.training().optimizer().maxGradNorm());
        LatentCache cache = o.cacheLatents() ? LatentCache.build(data, vae, o.images().resolution(), o.images().flip(),
                o.latentCacheFile() != null ? o.latentCacheFile() : o.training().outDir().resolve("latent-cache.safetensors")) : null;
        ImageFolderData classes = classData;
        TrainingLoop.BatchSource source = (step, micro, rng) -> classes == null ? UNetBatches.instance(data, vae, noise, emb, empty, o, rng, cache)
                : UNetBatches.withPrior(data, classes, vae, noise, emb, empty, o, rng);
        TrainingLoop.History h = TrainingLoop.run(trainer, source, o.training(), NativeThreads.forConvTraining(), listener);
        if (h.ema() != null) {
            // as diffusers' --use_ema: the averaged weights are the result
            h.ema().weights().forEach((k, v) -> g.parameterArrays().get(k).assign(v));
        }
        unet.save(o.training().outDir().resolve("unet"));
        return h;
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

}
