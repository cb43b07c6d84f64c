package dev.udadiffusion.segformer.train;

import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.core.train.AdamW;
import dev.udadiffusion.core.train.LrSchedule;
import dev.udadiffusion.core.train.Trainer;
import dev.udadiffusion.core.train.TrainingGraph;
import dev.udadiffusion.core.train.TrainingLoop;
import dev.udadiffusion.core.train.TrainingSettings;
import dev.udadiffusion.data.augment.Augment;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.io.Sample;
import dev.udadiffusion.data.rcs.DatasetStats;
import dev.udadiffusion.data.rcs.RareClassSampler;
import dev.udadiffusion.data.rcs.RcsCropper;
import dev.udadiffusion.segformer.SegformerModel;
import dev.udadiffusion.segformer.SegformerTargets;
import dev.udadiffusion.segformer.eval.SegformerInput;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
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
     * What to train on and how ({@link #daformer}: DAFormer's recipe). The learning rate follows mmcv's poly schedule
     * with linear warm-up ({@code lrSchedule "poly"}, power 1, min lr 1e-6); the head's lr is {@code headLrMultiplier}×.
     *
     * @param rcs Rare Class Sampling (temperature 0: sample images uniformly; a file is a candidate for class c when it
     *     has more pixels of c than {@code minPixels})
     */
    public record Options(Crops crops, int batch, TrainingSettings training, double headLrMultiplier,
            Photometric photometric, Rcs rcs) {

        public Options {
            if (batch < 1) {
                throw new IllegalArgumentException("batch must be at least 1, got " + batch);
            }
            if (!training.optimizer().lrSchedule().equals("poly")) {
                throw new IllegalArgumentException("SegFormer training uses mmcv's poly schedule (lrSchedule \"poly\"), not "
                        + training.optimizer().lrSchedule());
            }
        }

        /**
         * @param resizeW keep-ratio resize scale before cropping (0: none); DAFormer: 1280×720 for GTA5, 1024×512 for Cityscapes
         * @param catMaxRatio re-crop (up to 10 times) while one class covers this share of a crop or more (1: off)
         */
        public record Crops(int crop, int resizeW, int resizeH, double catMaxRatio) {
        }

        /** @param jitter photometric jitter strength (0: none); @param blurNoise random blur and sensor noise ({@link Augment#blurNoise}) */
        public record Photometric(double jitter, boolean blurNoise) {
            public static final Photometric NONE = new Photometric(0, false);
        }

        public record Rcs(double temperature, long minPixels) {
            /** Uniform sampling of the training images. */
            public static final Rcs OFF = new Rcs(0, 0);
        }

        /**
         * DAFormer's values: crops of 512 after a 1280×720 resize with cat-max-ratio 0.75, batch 2, 40k steps, lr 6e-5
         * (head ×10), warm-up 1500, weight decay 0.01, no clipping, RCS T = 0.01 over 3000 px, a checkpoint every 4000.
         */
        public static Options daformer(Path outDir) {
            return new Options(new Crops(512, 1280, 720, 0.75), 2, TrainingSettings.builder(outDir).steps(40_000).lr(6e-5)
                    .lrSchedule("poly").warmup(1500).maxGradNorm(0).weightDecay(0.01).checkpointEvery(4000).build(), 10,
                    Photometric.NONE, new Rcs(0.01, 3000));
        }

        public Options withCrops(Crops c) {
            return new Options(c, batch, training, headLrMultiplier, photometric, rcs);
        }

        public Options withBatch(int b) {
            return new Options(crops, b, training, headLrMultiplier, photometric, rcs);
        }

        public Options withTraining(TrainingSettings t) {
            return new Options(crops, batch, t, headLrMultiplier, photometric, rcs);
        }

        /** Changes some training settings: {@code .withTraining(t -> t.steps(500).lr(6e-4))}. */
        public Options withTraining(UnaryOperator<TrainingSettings.Builder> edit) {
            return withTraining(edit.apply(training.toBuilder()).build());
        }

        public Options withHeadLrMultiplier(double m) {
            return new Options(crops, batch, training, m, photometric, rcs);
        }

        public Options withPhotometric(Photometric p) {
            return new Options(crops, batch, training, headLrMultiplier, p, rcs);
        }

        public Options withRcs(Rcs r) {
            return new Options(crops, batch, training, headLrMultiplier, photometric, r);
        }
    }

    private SegformerTraining() {
    }

    public static TrainingLoop.History run(SegformerModel model, Datasets.Listing data, Options o,
            TrainingLoop.Listener listener) {
        TrainingGraph g = SegformerTrainingGraph.of(model, o.crops().crop(), o.crops().crop());
        Trainer trainer = trainer(g, o);
        RcsCropper rcs = rcsCropper(data, o);
        int classes = model.config().numLabels();
        TrainingLoop.BatchSource source = (step, micro, rng) -> {
            List<INDArray> px = new ArrayList<>();
            List<INDArray> lab = new ArrayList<>();
            for (int b = 0; b < o.batch(); b++) {
                Augment.Pair p = rcs != null ? rcs.next(rng).pair() : uniform(data, o, rng);
                BufferedImage img = o.photometric().jitter() > 0 ? Augment.jitter(p.image(), o.photometric().jitter(), rng) : p.image();
                px.add(SegformerInput.tensor(o.photometric().blurNoise() ? Augment.blurNoise(img, rng) : img));
                lab.add(Nd4j.createFromArray(p.labels()).castTo(DataType.LONG).reshape(1, o.crops().crop(), o.crops().crop()));
            }
            SegformerTargets.Target t = SegformerTargets.oneHot(Nd4j.concat(0, lab.toArray(new INDArray[0])), classes, 255);
            return Map.of(SegformerModel.PIXELS, Nd4j.concat(0, px.toArray(new INDArray[0])), SegformerTrainingGraph.TARGET, t.oneHot(),
                    SegformerTrainingGraph.N_VALID, Nd4j.scalar(DataType.FLOAT, (float) t.valid()));
        };
        long bnCount = (long) o.batch() * (o.crops().crop() / 4) * (o.crops().crop() / 4); // BatchNorm sees the 1/4-resolution fused map
        TrainingLoop.History h = TrainingLoop.run(trainer, source, o.training(), 0, listener,
                List.of(SegformerTrainingGraph.BN_MEAN, SegformerTrainingGraph.BN_VAR),
                out -> model.updateRunningStats(out.get(SegformerTrainingGraph.BN_MEAN), out.get(SegformerTrainingGraph.BN_VAR), bnCount));
        model.save(o.training().outDir().resolve("segformer"));
        return h;
    }

    /**
     * The optimiser DAFormer configures, over a SegFormer training graph: AdamW with mmcv's custom keys {head: lr ×10,
     * norm: decay 0} tried in the order (head, norm) on mmseg names — the head's BatchNorm ("linear_fuse.bn") gets ×10
     * with decay, every encoder LayerNorm (HF "layer_norm") loses its decay — and the poly schedule with warm-up.
     */
    public static Trainer trainer(TrainingGraph g, Options o) {
        List<String> backbone = new ArrayList<>();
        List<String> norms = new ArrayList<>();
        List<String> head = new ArrayList<>();
        g.trainable().keySet().forEach(k -> (k.startsWith("decode_head.") ? head : k.contains("layer_norm") ? norms : backbone).add(k));
        AdamW adam = new AdamW(List.of(new AdamW.Group("backbone", backbone, 1.0, o.training().optimizer().weightDecay()),
                new AdamW.Group("backbone_norm", norms, 1.0, 0.0),
                new AdamW.Group("head", head, o.headLrMultiplier(), o.training().optimizer().weightDecay())), 0.9, 0.999, 1e-8);
        return new Trainer(g, adam, LrSchedule.mmcvPoly(o.training().optimizer().warmup(), o.training().steps(), 1.0, 1e-6),
                o.training().optimizer().lr(), o.training().optimizer().maxGradNorm());
    }

    /** Rare Class Sampling over {@code data} with DAFormer's crops, or null when its temperature is 0. */
    public static RcsCropper rcsCropper(Datasets.Listing data, Options o) {
        return o.rcs().temperature() > 0
                ? new RcsCropper(data, new RareClassSampler(DatasetStats.of(data, o.training().outDir()), o.rcs().temperature(),
                        o.rcs().minPixels(), 0.5), (img, lab, rng) -> crop(img, lab, o, rng))
                : null;
    }

    /** A uniformly drawn sample of {@code data}, cropped as {@link #crop}. */
    public static Augment.Pair uniform(Datasets.Listing data, Options o, Rng rng) {
        Sample s = data.samples().get(rng.nextInt(data.samples().size()));
        return crop(Images.read(s.image()), data.readTrainIds(s), o, rng);
    }

    /** DAFormer's geometric pipeline: keep-ratio resize, random crop with cat_max_ratio (padding 0 / 255), flip. */
    public static Augment.Pair crop(BufferedImage img, int[][] labels, Options o, Rng rng) {
        Augment.Pair p = o.crops().resizeW() > 0 ? Augment.resizeKeepRatio(img, labels, o.crops().resizeW(), o.crops().resizeH())
                : new Augment.Pair(img, labels);
        return Augment.randomFlip(Augment.randomCrop(p.image(), p.labels(), o.crops().crop(), o.crops().crop(), o.crops().catMaxRatio(), rng), rng);
    }

}
