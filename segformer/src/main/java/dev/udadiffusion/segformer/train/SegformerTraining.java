package dev.udadiffusion.segformer.train;

import dev.udadiffusion.core.io.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.core.state.StateDict;
import dev.udadiffusion.core.train.AdamW;
import dev.udadiffusion.core.train.LrSchedule;
import dev.udadiffusion.core.train.Trainer;
import dev.udadiffusion.core.train.TrainingGraph;
import dev.udadiffusion.core.train.TrainingLoop;
import dev.udadiffusion.data.augment.Augment;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.io.LabelMaps;
import dev.udadiffusion.data.io.Sample;
import dev.udadiffusion.data.labels.CityscapesClasses;
import dev.udadiffusion.data.rcs.DatasetStats;
import dev.udadiffusion.data.rcs.RareClassSampler;
import dev.udadiffusion.data.rcs.RcsCropper;
import dev.udadiffusion.segformer.SegformerModel;
import dev.udadiffusion.segformer.SegformerTargets;
import dev.udadiffusion.segformer.eval.SegformerInput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Supervised SegFormer training with DAFormer's recipe (SPECS §6.5): AdamW (lr 6e-5, weight decay 0.01; decode head
 * lr ×10; no decay on the encoder's LayerNorms, mmcv's "norm" key), mmcv poly schedule (power 1) with linear warmup
 * (ratio 1e-6), keep-ratio resize (GTA5: 1280×720) → random crop with cat_max_ratio 0.75 → flip, optional
 * photometric jitter, Rare Class Sampling with DAFormer's acceptance; BatchNorm running statistics updated after every
 * forward, checkpoints and exact resume through {@link TrainingLoop}. Writes a transformers folder {@code OUT/segformer}.
 */
public final class SegformerTraining {

    /**
     * @param resizeW keep-ratio resize scale before cropping (0: none); DAFormer: 1280×720 for GTA5, 1024×512 for Cityscapes
     * @param catMaxRatio re-crop (up to 10 times) while one class covers this share of a crop or more (1: off)
     * @param jitter photometric jitter strength (0: none)
     * @param blurNoise random blur and sensor noise as well ({@link Augment#blurNoise})
     * @param rcsTemperature Rare Class Sampling temperature (0: sample images uniformly)
     * @param rcsMinPixels a file is a candidate for class c when it has more pixels of c than this
     */
    public record Options(int crop, int batch, long steps, int gradAccum, double lr, double headLrMultiplier,
            double weightDecay, long warmup, int resizeW, int resizeH, double catMaxRatio, double jitter, boolean blurNoise, double rcsTemperature, long rcsMinPixels, long seed, Path outDir,
            long checkpointEvery, int keepCheckpoints, long logEvery, boolean resume) {

        /** DAFormer's values: crop 512, batch 2, 40k steps, warmup 1500, RCS T = 0.01. */
        public static Options daformer(Path outDir) {
            return new Options(512, 2, 40_000, 1, 6e-5, 10, 0.01, 1500, 1280, 720, 0.75, 0, false, 0.01, 3000, 0, outDir, 4000, 2, 50, false);
        }

        public Options with(int crop, int batch, long steps, long warmup) {
            return new Options(crop, batch, steps, gradAccum, lr, headLrMultiplier, weightDecay, warmup, resizeW, resizeH, catMaxRatio, jitter, blurNoise,
                    rcsTemperature, rcsMinPixels, seed, outDir, checkpointEvery, keepCheckpoints, logEvery, resume);
        }

        public Options withLr(double l, double rcsT, long checkpointEvery, boolean resume) {
            return new Options(crop, batch, steps, gradAccum, l, headLrMultiplier, weightDecay, warmup, resizeW, resizeH, catMaxRatio, jitter, blurNoise,
                    rcsT, rcsMinPixels, seed, outDir, checkpointEvery, keepCheckpoints, logEvery, resume);
        }

        public Options withResize(int w, int h, double catMax) {
            return new Options(crop, batch, steps, gradAccum, lr, headLrMultiplier, weightDecay, warmup, w, h, catMax, jitter, blurNoise,
                    rcsTemperature, rcsMinPixels, seed, outDir, checkpointEvery, keepCheckpoints, logEvery, resume);
        }

        public Options withRcsMinPixels(long n) {
            return new Options(crop, batch, steps, gradAccum, lr, headLrMultiplier, weightDecay, warmup, resizeW, resizeH, catMaxRatio, jitter, blurNoise,
                    rcsTemperature, n, seed, outDir, checkpointEvery, keepCheckpoints, logEvery, resume);
        }
    }

    private SegformerTraining() {
    }

    public static TrainingLoop.History run(SegformerModel model, Datasets.Listing data, Options o,
            TrainingLoop.Listener listener) {
        TrainingGraph g = model.trainingGraph(o.crop(), o.crop());
        // mmcv custom keys {head: lr x10, norm: decay 0}, tried in the order (head, norm) on mmseg names: the head's
        // BatchNorm ("linear_fuse.bn") gets x10 with decay; every encoder LayerNorm (HF "layer_norm") loses its decay
        List<String> backbone = new ArrayList<>();
        List<String> norms = new ArrayList<>();
        List<String> head = new ArrayList<>();
        g.trainable().keySet().forEach(k -> (k.startsWith("decode_head.") ? head : k.contains("layer_norm") ? norms : backbone).add(k));
        AdamW adam = new AdamW(List.of(new AdamW.Group("backbone", backbone, 1.0, o.weightDecay()),
                new AdamW.Group("backbone_norm", norms, 1.0, 0.0),
                new AdamW.Group("head", head, o.headLrMultiplier(), o.weightDecay())), 0.9, 0.999, 1e-8);
        Trainer trainer = new Trainer(g, adam, LrSchedule.mmcvPoly(o.warmup(), o.steps(), 1.0, 1e-6), o.lr(), 0);
        RcsCropper rcs = o.rcsTemperature() > 0
                ? new RcsCropper(data, new RareClassSampler(DatasetStats.of(data, o.outDir()), o.rcsTemperature(), o.rcsMinPixels(), 0.5),
                        (img, lab, rng) -> crop(img, lab, o, rng))
                : null;
        int classes = model.config().numLabels();
        TrainingLoop.BatchSource source = (step, micro, rng) -> {
            List<INDArray> px = new ArrayList<>();
            List<INDArray> lab = new ArrayList<>();
            for (int b = 0; b < o.batch(); b++) {
                Augment.Pair p = rcs != null ? rcs.next(rng).pair() : uniform(data, o, rng);
                java.awt.image.BufferedImage img = o.jitter() > 0 ? Augment.jitter(p.image(), o.jitter(), rng) : p.image();
                px.add(SegformerInput.tensor(o.blurNoise() ? Augment.blurNoise(img, rng) : img));
                lab.add(Nd4j.createFromArray(p.labels()).castTo(DataType.LONG).reshape(1, o.crop(), o.crop()));
            }
            SegformerTargets.Target t = SegformerTargets.oneHot(Nd4j.concat(0, lab.toArray(new INDArray[0])), classes, 255);
            return Map.of(SegformerModel.PIXELS, Nd4j.concat(0, px.toArray(new INDArray[0])), SegformerModel.TARGET, t.oneHot(),
                    SegformerModel.N_VALID, Nd4j.scalar(DataType.FLOAT, (float) t.valid()));
        };
        long bnCount = (long) o.batch() * (o.crop() / 4) * (o.crop() / 4); // BatchNorm sees the 1/4-resolution fused map
        TrainingLoop.History h = TrainingLoop.run(trainer, source, new TrainingLoop.Options(o.steps(), o.gradAccum(), o.seed(),
                o.outDir(), o.checkpointEvery(), o.keepCheckpoints(), o.logEvery(), o.resume()), listener,
                List.of(SegformerModel.BN_MEAN, SegformerModel.BN_VAR),
                out -> model.updateRunningStats(out.get(SegformerModel.BN_MEAN), out.get(SegformerModel.BN_VAR), bnCount));
        save(model, o.outDir().resolve("segformer"));
        return h;
    }

    private static Augment.Pair uniform(Datasets.Listing data, Options o, Rng rng) {
        Sample s = data.samples().get(rng.nextInt(data.samples().size()));
        return crop(Images.read(s.image()), LabelMaps.readTrainIds(s, data.mapping(), true), o, rng);
    }

    /** DAFormer's geometric pipeline: keep-ratio resize, random crop with cat_max_ratio (padding 0 / 255), flip. */
    static Augment.Pair crop(java.awt.image.BufferedImage img, int[][] labels, Options o, Rng rng) {
        Augment.Pair p = o.resizeW() > 0 ? Augment.resizeKeepRatio(img, labels, o.resizeW(), o.resizeH())
                : new Augment.Pair(img, labels);
        return Augment.randomFlip(Augment.randomCrop(p.image(), p.labels(), o.crop(), o.crop(), o.catMaxRatio(), rng), rng);
    }

    /** A transformers folder: config.json (model_type, id2label) and model.safetensors under transformers' names. */
    public static void save(SegformerModel model, Path folder) {
        try {
            Files.createDirectories(folder);
            ObjectNode cfg = (ObjectNode) new ObjectMapper().readTree(Configs.toJson(model.config()));
            cfg.put("model_type", "segformer");
            cfg.putArray("architectures").add("SegformerForSemanticSegmentation");
            if (cfg.path("id2label").isNull() || cfg.path("id2label").isMissingNode()) {
                ObjectNode id2label = cfg.putObject("id2label");
                for (int c = 0; c < model.config().numLabels(); c++) {
                    id2label.put(Integer.toString(c), c < CityscapesClasses.COUNT ? CityscapesClasses.name(c) : "class" + c);
                }
            }
            AtomicFiles.writeString(folder.resolve("config.json"), cfg.toPrettyString());
        } catch (IOException e) {
            throw new UncheckedIOException(folder + ": " + e.getMessage(), e);
        }
        StateDict.save(model.params(), folder.resolve("model.safetensors"), k -> true);
    }
}
