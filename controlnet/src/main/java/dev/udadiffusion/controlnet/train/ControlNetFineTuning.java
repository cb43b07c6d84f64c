package dev.udadiffusion.controlnet.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.udadiffusion.core.io.AtomicFiles;
import dev.udadiffusion.controlnet.ControlNetModel;
import dev.udadiffusion.core.train.AdamW;
import dev.udadiffusion.core.train.LrSchedule;
import dev.udadiffusion.core.train.NativeThreads;
import dev.udadiffusion.core.train.Trainer;
import dev.udadiffusion.core.train.TrainingGraph;
import dev.udadiffusion.core.train.TrainingLoop;
import dev.udadiffusion.core.train.TrainingSettings;
import dev.udadiffusion.data.labels.CityscapesClasses;
import dev.udadiffusion.data.rcs.DatasetStats;
import dev.udadiffusion.data.rcs.RareClassSampler;
import dev.udadiffusion.diffusion.clip.PromptEncoder;
import dev.udadiffusion.diffusion.schedulers.DDPMScheduler;
import dev.udadiffusion.diffusion.schedulers.SchedulerConfig;
import dev.udadiffusion.diffusion.train.NoiseBatch;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import dev.udadiffusion.diffusion.vae.AutoencoderKL;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ControlNet training as diffusers' {@code train_controlnet.py}, with the thesis's choices: the (source) U-Net frozen,
 * one-hot trainId masks as conditioning, class-name prompts, optional prompt dropout, and the "lightweight" variant
 * that trains only the zero convolutions; optional Rare Class Sampling of the pairs (how often each class was drawn is
 * written to {@code rcs_times_sampled.json}). Produces a diffusers ControlNet folder.
 */
public final class ControlNetFineTuning {

    /**
     * What to train on and how ({@link #builder}: diffusers' train_controlnet.py defaults).
     *
     * @param emptyPromptProb probability of training a pair with the empty prompt (prompt dropout)
     * @param lightweight train only the zero convolutions
     * @param rcs Rare Class Sampling of the training pairs (thesis: T = 0.01; temperature 0 = uniform)
     */
    public record Options(Pairs pairs, int batch, TrainingSettings training, double emptyPromptProb, boolean lightweight,
            Rcs rcs) {

        public Options {
            if (batch < 1 || emptyPromptProb < 0 || emptyPromptProb > 1) {
                throw new IllegalArgumentException("batch must be at least 1 and emptyPromptProb in [0, 1]");
            }
        }

        /**
         * Image–mask pairs: a folder or a dataset in its own layout ({@code split} for Cityscapes), square crops;
         * {@code unknownToIgnore}: a dataset's label ids outside its table read as ignore instead of an error.
         */
        public record Pairs(Path data, MaskedImageData.Format format, String split, int resolution, boolean unknownToIgnore) {
        }

        /** @param minPixels pixels of a class a pair needs to be drawn for it */
        public record Rcs(double temperature, long minPixels) {
            public static final Rcs OFF = new Rcs(0, 3000);
        }

        /** diffusers' defaults: resolution 512, batch 4, 1000 steps at a constant lr of 1e−5, clipping 1.0, no dropout, no RCS. */
        public static Builder builder(Path data, Path outDir) {
            return new Builder(new Options(new Pairs(data, MaskedImageData.Format.FOLDER, null, 512, false), 4,
                    TrainingSettings.builder(outDir).steps(1000).lr(1e-5).checkpointEvery(500).build(), 0.0, false, Rcs.OFF));
        }

        /** A builder holding these options, to change some of them. */
        public Builder toBuilder() {
            return new Builder(this);
        }
    }

    /** Builds {@link Options}; every setter returns the builder. */
    public static final class Builder {
        private Options.Pairs pairs;
        private int batch;
        private TrainingSettings training;
        private double emptyPromptProb;
        private boolean lightweight;
        private Options.Rcs rcs;

        private Builder(Options o) {
            pairs = o.pairs();
            batch = o.batch();
            training = o.training();
            emptyPromptProb = o.emptyPromptProb();
            lightweight = o.lightweight();
            rcs = o.rcs();
        }

        /** The pairs' folder, its layout and (Cityscapes) split. */
        public Builder data(Path data, MaskedImageData.Format format, String split) {
            pairs = new Options.Pairs(data, format, split, pairs.resolution(), pairs.unknownToIgnore());
            return this;
        }

        /** Label ids outside the dataset's table read as ignore (255) instead of stopping with an error. */
        public Builder unknownToIgnore(boolean v) {
            pairs = new Options.Pairs(pairs.data(), pairs.format(), pairs.split(), pairs.resolution(), v);
            return this;
        }

        public Builder resolution(int v) {
            pairs = new Options.Pairs(pairs.data(), pairs.format(), pairs.split(), v, pairs.unknownToIgnore());
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

        /** Changes some training settings: {@code .training(t -> t.steps(500).lr(2e-4))}. */
        public Builder training(UnaryOperator<TrainingSettings.Builder> edit) {
            training = edit.apply(training.toBuilder()).build();
            return this;
        }

        public Builder emptyPromptProb(double v) {
            emptyPromptProb = v;
            return this;
        }

        public Builder lightweight(boolean v) {
            lightweight = v;
            return this;
        }

        public Builder rcs(double temperature, long minPixels) {
            rcs = new Options.Rcs(temperature, minPixels);
            return this;
        }

        public Options build() {
            return new Options(pairs, batch, training, emptyPromptProb, lightweight, rcs);
        }
    }

    private ControlNetFineTuning() {
    }

    public static TrainingLoop.History run(ControlNetModel cn, UNet2DConditionModel unet, AutoencoderKL vae,
            PromptEncoder prompts, SchedulerConfig noiseConfig, Options o, TrainingLoop.Listener listener) {
        MaskedImageData data = MaskedImageData.open(o.pairs().data(), o.pairs().format(), o.pairs().split(),
                o.pairs().unknownToIgnore());
        DDPMScheduler noise = new DDPMScheduler(noiseConfig);
        int f = vae.config().downscale();
        if (o.pairs().resolution() % (f * unet.config().sizeMultiple()) != 0) {
            throw new IllegalArgumentException("resolution " + o.pairs().resolution() + " must be a multiple of "
                    + f * unet.config().sizeMultiple());
        }
        long lh = o.pairs().resolution() / f;
        TrainingGraph g = ControlNetTraining.graph(cn, unet, lh, lh,
                o.lightweight() ? ControlNetTraining.ZERO_CONVS_ONLY : ControlNetTraining.ALL, 1.0);
        AdamW adam = new AdamW(List.of(new AdamW.Group("controlnet", new ArrayList<>(g.trainable().keySet()), 1.0,
                o.training().optimizer().weightDecay())), 0.9, 0.999, 1e-8);
        Trainer trainer = new Trainer(g, adam, LrSchedule.named(o.training().optimizer().lrSchedule(), o.training().optimizer().warmup(), o.training().steps()), o.training().optimizer().lr(), o.training().optimizer().maxGradNorm());
        Map<String, INDArray> promptCache = new HashMap<>();
        // Rare Class Sampling (thesis §3.5.1, during ControlNet training too): pairs showing rare classes come more often
        RareClassSampler rcs = o.rcs().temperature() > 0 ? new RareClassSampler(DatasetStats.of(data.listing(),
                o.training().outDir().resolve(".rcs-stats")), o.rcs().temperature(), o.rcs().minPixels(), 0.5) : null;
        TrainingLoop.BatchSource source = (step, micro, rng) -> {
            List<INDArray> imgs = new ArrayList<>();
            List<INDArray> conds = new ArrayList<>();
            List<INDArray> ctx = new ArrayList<>();
            for (int b = 0; b < o.batch(); b++) {
                int index = rcs != null ? rcs.sample(rng).index() : rng.nextInt(data.size());
                MaskedImageData.Sample s = data.sample(index, o.pairs().resolution(), true, true, rng);
                imgs.add(s.image());
                conds.add(s.conditioning());
                String prompt = o.emptyPromptProb() > 0 && rng.nextDouble() < o.emptyPromptProb() ? "" : s.prompt();
                ctx.add(promptCache.computeIfAbsent(prompt, pr -> prompts.encode(List.of(pr), 0)));
            }
            AutoencoderKL.Posterior post = vae.encode(Nd4j.concat(0, imgs.toArray(new INDArray[0])));
            INDArray latents = NoiseBatch.latents(post.mean(), post.std(), vae.config().scalingFactor(), rng);
            Map<String, INDArray> feeds = NoiseBatch.feeds(latents, Nd4j.concat(0, ctx.toArray(new INDArray[0])), noise, rng);
            feeds.put(ControlNetModel.COND, Nd4j.concat(0, conds.toArray(new INDArray[0])));
            return feeds;
        };
        TrainingLoop.History h = TrainingLoop.run(trainer, source, o.training(), NativeThreads.forConvTraining(), listener);
        cn.save(o.training().outDir().resolve("controlnet"));
        if (rcs != null) {
            writeTimesSampled(o.training().outDir().resolve("rcs_times_sampled.json"), rcs.timesSampled());
        }
        return h;
    }

    /** How often each class was drawn by Rare Class Sampling in this run (class name → count). */
    static void writeTimesSampled(Path file, long[] times) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        for (int c = 0; c < times.length; c++) {
            n.put(CityscapesClasses.name(c), times[c]);
        }
        AtomicFiles.writeString(file, n.toPrettyString());
    }

}
