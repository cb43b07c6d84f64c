package dev.udadiffusion.controlnet.train;

import dev.udadiffusion.core.io.AtomicFiles;
import dev.udadiffusion.controlnet.ControlNetModel;
import dev.udadiffusion.core.state.StateDict;
import dev.udadiffusion.core.train.AdamW;
import dev.udadiffusion.core.train.LrSchedule;
import dev.udadiffusion.core.train.NativeThreads;
import dev.udadiffusion.core.train.Trainer;
import dev.udadiffusion.core.train.TrainingGraph;
import dev.udadiffusion.core.train.TrainingLoop;
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

    public record Options(Path data, MaskedImageData.Format format, String split, int resolution, long steps, int batch, int gradAccum, double lr, String lrSchedule,
            long warmup, double maxGradNorm, double weightDecay, double emptyPromptProb, boolean lightweight,
            double rcsTemperature, long rcsMinPixels, long seed, Path outDir, long checkpointEvery, int keepCheckpoints,
            long logEvery, boolean resume) {

        public Options withData(Path d, MaskedImageData.Format f, String s) {
            return new Options(d, f, s, resolution, steps, batch, gradAccum, lr, lrSchedule, warmup, maxGradNorm, weightDecay,
                    emptyPromptProb, lightweight, rcsTemperature, rcsMinPixels, seed, outDir, checkpointEvery, keepCheckpoints, logEvery, resume);
        }

        /** diffusers defaults: lr 1e−5 constant, batch 4, clip 1.0, no prompt dropout. */
        public static Options defaults(Path data, Path outDir) {
            return new Options(data, MaskedImageData.Format.FOLDER, null, 512, 1000, 4, 1, 1e-5, "constant", 0, 1.0, 1e-2, 0.0, false, 0, 3000, 0, outDir, 500, 2, 50, false);
        }

        public Options with(long steps, int resolution, double lr, int batch) {
            return new Options(data, format, split, resolution, steps, batch, gradAccum, lr, lrSchedule, warmup, maxGradNorm, weightDecay,
                    emptyPromptProb, lightweight, rcsTemperature, rcsMinPixels, seed, outDir, checkpointEvery, keepCheckpoints, logEvery, resume);
        }

        /** Rare Class Sampling of the training pairs (thesis: T = 0.01; 0 = uniform). */
        public Options withRcs(double temperature, long minPixels) {
            return new Options(data, format, split, resolution, steps, batch, gradAccum, lr, lrSchedule, warmup, maxGradNorm, weightDecay,
                    emptyPromptProb, lightweight, temperature, minPixels, seed, outDir, checkpointEvery, keepCheckpoints, logEvery, resume);
        }

        public Options withLightweight(boolean l) {
            return new Options(data, format, split, resolution, steps, batch, gradAccum, lr, lrSchedule, warmup, maxGradNorm, weightDecay,
                    emptyPromptProb, l, rcsTemperature, rcsMinPixels, seed, outDir, checkpointEvery, keepCheckpoints, logEvery, resume);
        }
    }

    private ControlNetFineTuning() {
    }

    public static TrainingLoop.History run(ControlNetModel cn, UNet2DConditionModel unet, AutoencoderKL vae,
            PromptEncoder prompts, SchedulerConfig noiseConfig, Options o, TrainingLoop.Listener listener) {
        MaskedImageData data = MaskedImageData.open(o.data(), o.format(), o.split());
        DDPMScheduler noise = new DDPMScheduler(noiseConfig);
        int f = vae.config().downscale();
        if (o.resolution() % (f * unet.config().sizeMultiple()) != 0) {
            throw new IllegalArgumentException("resolution " + o.resolution() + " must be a multiple of "
                    + f * unet.config().sizeMultiple());
        }
        long lh = o.resolution() / f;
        TrainingGraph g = ControlNetTraining.graph(cn, unet, lh, lh,
                o.lightweight() ? ControlNetTraining.ZERO_CONVS_ONLY : ControlNetTraining.ALL, 1.0);
        AdamW adam = new AdamW(List.of(new AdamW.Group("controlnet", new ArrayList<>(g.trainable().keySet()), 1.0,
                o.weightDecay())), 0.9, 0.999, 1e-8);
        Trainer trainer = new Trainer(g, adam, LrSchedule.named(o.lrSchedule(), o.warmup(), o.steps()), o.lr(), o.maxGradNorm());
        Map<String, INDArray> promptCache = new HashMap<>();
        // Rare Class Sampling (thesis §3.5.1, during ControlNet training too): pairs showing rare classes come more often
        RareClassSampler rcs = o.rcsTemperature() > 0 ? new RareClassSampler(DatasetStats.of(data.listing(),
                o.outDir().resolve(".rcs-stats")), o.rcsTemperature(), o.rcsMinPixels(), 0.5) : null;
        TrainingLoop.BatchSource source = (step, micro, rng) -> {
            List<INDArray> imgs = new ArrayList<>();
            List<INDArray> conds = new ArrayList<>();
            List<INDArray> ctx = new ArrayList<>();
            for (int b = 0; b < o.batch(); b++) {
                int index = rcs != null ? rcs.sample(rng).index() : rng.nextInt(data.size());
                MaskedImageData.Sample s = data.sample(index, o.resolution(), true, true, rng);
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
        TrainingLoop.History h = TrainingLoop.run(trainer, source, new TrainingLoop.Options(o.steps(), o.gradAccum(), o.seed(),
                o.outDir(), o.checkpointEvery(), o.keepCheckpoints(), o.logEvery(), o.resume()).withThreads(NativeThreads.forConvTraining()), listener);
        save(cn, o.outDir().resolve("controlnet"));
        if (rcs != null) {
            writeTimesSampled(o.outDir().resolve("rcs_times_sampled.json"), rcs.timesSampled());
        }
        return h;
    }

    /** How often each class was drawn by Rare Class Sampling in this run (class name → count). */
    static void writeTimesSampled(Path file, long[] times) {
        com.fasterxml.jackson.databind.node.ObjectNode n = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        for (int c = 0; c < times.length; c++) {
            n.put(CityscapesClasses.name(c), times[c]);
        }
        AtomicFiles.writeString(file, n.toPrettyString());
    }

    /** Writes a diffusers ControlNet folder: config.json and diffusion_pytorch_model.safetensors. */
    public static void save(ControlNetModel cn, Path folder) {
        StateDict.saveDiffusersFolder(cn.params(), cn.config().toJson(), folder);
    }

}
