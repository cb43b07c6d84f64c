package dev.udadiffusion.segformer.uda;

import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.core.train.Trainer;
import dev.udadiffusion.core.train.TrainingGraph;
import dev.udadiffusion.core.train.TrainingLoop;
import dev.udadiffusion.data.augment.Augment;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.rcs.RcsCropper;
import dev.udadiffusion.segformer.SegformerModel;
import dev.udadiffusion.segformer.eval.SegformerInput;
import dev.udadiffusion.segformer.train.SegformerTraining;
import dev.udadiffusion.segformer.train.SegformerTrainingGraph;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DAFormer's self-training (Hoyer et al. 2022, DACS with a mean teacher; {@code mmseg/models/uda/dacs.py}): every
 * iteration the teacher follows the student ({@link MeanTeacher}), the student takes a gradient of the source
 * cross-entropy plus one of the weighted cross-entropy on the ClassMix of source over target with the teacher's
 * pseudo-labels ({@link DacsBatch}), and one optimiser step with the supervised recipe's AdamW and schedule
 * ({@link SegformerTraining#trainer}). Source crops follow {@link SegformerTraining#crop} with Rare Class Sampling;
 * target images need no labels (keep-ratio resize, one random crop, flip). Checkpoints carry the teacher, so a resumed
 * run equals an uninterrupted one; {@code loss.csv} has the total and {@code loss_source}, {@code loss_mix}. Writes
 * {@code OUT/segformer} (the student, what DAFormer evaluates) and {@code OUT/teacher}.
 *
 * <p>With an ImageNet model ({@code imnet}, the backbone the student started from) and {@link Options#featureDistance}
 * set, the source loss also carries DAFormer's feature distance ({@link DacsBatch.FeatureDistance}). Not modelled:
 * DropPath and dropout (this SegFormer has none, as in {@code segformer train}).
 */
public final class SelfTraining {

    /** Loss-term names, in the order of the micro-batches. */
    public static final List<String> TERMS = List.of("source", "mix");

    /**
     * @param source       the supervised recipe for the source side (crops, batch, optimiser, schedule, RCS)
     * @param targetResizeW keep-ratio resize of target images before cropping (0: none); DAFormer: 1024×512 for Cityscapes
     * @param dacs         pseudo-labels, ignored rows, EMA and strong augmentation
     * @param featureDistance the ImageNet feature distance, used when {@link #run} is given an ImageNet model (DAFormer's
     *     values by default)
     */
    public record Options(SegformerTraining.Options source, int targetResizeW, int targetResizeH, DacsBatch.Settings dacs,
            DacsBatch.FeatureDistance featureDistance) {

        public Options(SegformerTraining.Options source, int targetResizeW, int targetResizeH, DacsBatch.Settings dacs) {
            this(source, targetResizeW, targetResizeH, dacs, DacsBatch.FeatureDistance.daformer());
        }

        /** DAFormer's GTA5 → Cityscapes values (its gta2cs DAFormer config; the feature distance needs the ImageNet model). */
        public static Options daformer(Path outDir) {
            return new Options(SegformerTraining.Options.daformer(outDir), 1024, 512, DacsBatch.Settings.daformer(512));
        }

        public Options withSource(SegformerTraining.Options s) {
            return new Options(s, targetResizeW, targetResizeH, dacs, featureDistance);
        }

        public Options withTargetResize(int w, int h) {
            return new Options(source, w, h, dacs, featureDistance);
        }

        public Options withDacs(DacsBatch.Settings d) {
            return new Options(source, targetResizeW, targetResizeH, d, featureDistance);
        }

        public Options withFeatureDistance(DacsBatch.FeatureDistance fd) {
            return new Options(source, targetResizeW, targetResizeH, dacs, fd);
        }
    }

    private SelfTraining() {
    }

    /** Adapts {@code student} (trained in place) with labeled {@code source} and unlabeled {@code target} images. */
    public static TrainingLoop.History run(SegformerModel student, Datasets.Listing source, List<Path> target, Options o,
            TrainingLoop.Listener listener) {
        return run(student, source, target, o, null, listener);
    }

    /**
     * As above; with {@code imnet} (an ImageNet-pretrained SegFormer, evaluated in eval mode, not trained) the source
     * loss adds the feature distance of {@link Options#featureDistance}.
     */
    public static TrainingLoop.History run(SegformerModel student, Datasets.Listing source, List<Path> target, Options o,
            SegformerModel imnet, TrainingLoop.Listener listener) {
        if (target.isEmpty()) {
            throw new IllegalArgumentException("no target images to adapt to");
        }
        SegformerTraining.Options so = o.source();
        int crop = so.crops().crop();
        int classes = student.config().numLabels();
        boolean fd = imnet != null && o.featureDistance() != null && o.featureDistance().lambda() > 0;
        TrainingGraph g = fd ? SegformerTrainingGraph.withFeatureDistance(student, crop, crop) : SegformerTrainingGraph.of(student, crop, crop);
        String lastFeatures = SegformerTrainingGraph.LAST_FEATURES_PREFIX + (student.config().numEncoderBlocks() - 1);
        Trainer trainer = SegformerTraining.trainer(g, so).summing(TERMS);
        RcsCropper rcs = SegformerTraining.rcsCropper(source, so);
        List<Map<String, INDArray>> pending = new ArrayList<>(List.of(Map.of()));
        try (MeanTeacher teacher = new MeanTeacher(student, crop, crop)) {
            TrainingLoop.BatchSource batches = (step, micro, rng) -> {
                if (micro == 1) {
                    return pending.get(0);
                }
                teacher.follow(student, g.parameterArrays(), step, o.dacs().alpha());
                int[][][] labels = new int[so.batch()][][];
                List<INDArray> src = new ArrayList<>();
                List<INDArray> tgt = new ArrayList<>();
                for (int b = 0; b < so.batch(); b++) {
                    Augment.Pair p = rcs != null ? rcs.next(rng).pair() : SegformerTraining.uniform(source, so, rng);
                    src.add(SegformerInput.tensor(p.image()));
                    labels[b] = p.labels();
                    tgt.add(SegformerInput.tensor(targetCrop(target.get(rng.nextInt(target.size())), o, rng)));
                }
                INDArray srcPx = Nd4j.concat(0, src.toArray(new INDArray[0]));
                INDArray tgtPx = Nd4j.concat(0, tgt.toArray(new INDArray[0]));
                DacsBatch.Draws draws = DacsBatch.Draws.sample(labels, o.dacs().strong(), rng);
                DacsBatch.Mixed mixed = DacsBatch.mix(srcPx, labels, tgtPx, teacher.probabilities(tgtPx), draws, o.dacs());
                Map<String, INDArray> mixFeeds = DacsBatch.feeds(mixed.pixels(), mixed.labels(), mixed.weight(), classes, 255);
                Map<String, INDArray> srcFeeds = DacsBatch.feeds(srcPx, labels, null, classes, 255);
                if (fd) {
                    // the encoder's output only: the ImageNet model's decode head is never used
                    INDArray imnetFeatures = imnet.graph(crop, crop).sd().output(Map.of(SegformerModel.PIXELS, srcPx), lastFeatures)
                            .get(lastFeatures);
                    srcFeeds = DacsBatch.merge(srcFeeds, DacsBatch.featureDistance(imnetFeatures, labels, o.featureDistance(), classes));
                    mixFeeds = DacsBatch.merge(mixFeeds, DacsBatch.noFeatureDistance(imnetFeatures.shape()));
                }
                pending.set(0, mixFeeds);
                return srcFeeds;
            };
            long bnCount = (long) so.batch() * (crop / 4) * (crop / 4);
            TrainingLoop.History h = TrainingLoop.run(trainer, batches, so.training(), 0, listener,
                    List.of(SegformerTrainingGraph.BN_MEAN, SegformerTrainingGraph.BN_VAR),
                    out -> student.updateRunningStats(out.get(SegformerTrainingGraph.BN_MEAN), out.get(SegformerTrainingGraph.BN_VAR), bnCount),
                    new TrainingLoop.CheckpointState() {
                        @Override
                        public void save(Path dir) {
                            teacher.saveState(dir);
                        }

                        @Override
                        public void restore(Path dir) {
                            teacher.restoreState(dir);
                        }
                    });
            student.save(so.training().outDir().resolve("segformer"));
            teacher.model().save(so.training().outDir().resolve("teacher"));
            return h;
        }
    }

    /** A target image as the source side's geometry without labels: keep-ratio resize, a uniform crop, a flip. */
    static java.awt.image.BufferedImage targetCrop(Path file, Options o, Rng rng) {
        int crop = o.source().crops().crop();
        Augment.Pair p = new Augment.Pair(Images.read(file), null);
        if (o.targetResizeW() > 0) {
            p = Augment.resizeKeepRatio(p.image(), null, o.targetResizeW(), o.targetResizeH());
        }
        return Augment.randomFlip(Augment.randomCrop(p.image(), null, crop, crop, 1, rng), rng).image();
    }
}
