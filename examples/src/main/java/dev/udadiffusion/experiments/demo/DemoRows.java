package dev.udadiffusion.experiments.demo;

import dev.udadiffusion.core.train.ParallelJobs;
import dev.udadiffusion.core.train.TrainingLoop;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.experiments.ExperimentLog;
import dev.udadiffusion.segformer.SegformerConfig;
import dev.udadiffusion.segformer.SegformerModel;
import dev.udadiffusion.segformer.eval.ConfusionMatrix;
import dev.udadiffusion.segformer.eval.Evaluator;
import dev.udadiffusion.segformer.eval.IoUReport;
import dev.udadiffusion.segformer.train.SegformerTraining;
import dev.udadiffusion.segformer.uda.DacsBatch;
import dev.udadiffusion.segformer.uda.PseudoLabels;
import dev.udadiffusion.segformer.uda.SelfTraining;
import dev.udadiffusion.segformer.uda.StrongAugment;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** The demo table's rows: a toy SegFormer trained on each training set and evaluated on target val. */
public final class DemoRows {

    /**
     * One row of the table: the folder its training set comes from, the set itself (listed when the row trains),
     * whether photometric augmentation is on, and the target images it self-trains on (null: supervised training only).
     */
    public record Row(String name, Path data, Supplier<Datasets.Listing> set, boolean augment, Path selfTrainingTarget) {
        public Row(String name, Path data, Datasets.Layout layout, boolean augment, Path selfTrainingTarget) {
            this(name, data, () -> Datasets.open(data, layout, "train", Datasets.Policy.ERROR, true), augment,
                    selfTrainingTarget);
        }

        public Row(String name, Path data, Datasets.Layout layout, boolean augment) {
            this(name, data, layout, augment, null);
        }
    }

    /** A row's suffix when it self-trains; the row without it is its baseline. */
    static final String SELF_TRAINING = " + self-training";

    private DemoRows() {
    }

    /**
     * The rows of one seed, {@code jobs} at a time (0: the default). One after another, each row shows its own training
     * and evaluation progress; side by side, one bar counts all rows' steps and each row logs its start and result.
     */
    public static List<ConfusionMatrix> train(List<Row> rows, Path seedDir, long steps, int seed, Datasets.Listing val, int jobs,
            ExperimentLog log) {
        int parallel = jobs > 0 ? jobs : ParallelJobs.defaultParallelism(rows.size());
        ExperimentLog.Bar bar = parallel > 1
                ? log.bar("SegFormer rows, seed " + seed + " (" + parallel + " at a time)", rows.size() * steps) : null;
        Consumer<String> lines = bar != null ? bar::log : log::line;
        AtomicLong done = new AtomicLong();
        List<ParallelJobs.Job<ConfusionMatrix>> work = new ArrayList<>();
        for (Row r : rows) {
            // train-*: never inside the generated set's folder
            Path dir = seedDir.resolve("train-" + r.name().replaceAll("[^A-Za-z0-9]+", "-").replaceAll("-+$", "")
                    .toLowerCase(Locale.ROOT));
            work.add(new ParallelJobs.Job<>(r.name(), () -> {
                ConfusionMatrix cm;
                if (bar == null) {
                    cm = trainAndEvaluate(log, lines, log.training(Math.max(1, steps / 5)), r, dir, steps, seed, val);
                } else {
                    long[] last = {0};
                    cm = trainAndEvaluate(ExperimentLog.silent(), lines, (step, total, res, sps) -> {
                        bar.update(done.addAndGet(step - last[0]), String.format("%s: loss %.3f", r.name(), res.loss()));
                        last[0] = step;
                    }, r, dir, steps, seed, val);
                    if (last[0] == 0) {
                        bar.skip(steps); // trained by an earlier run
                    }
                    bar.update(done.addAndGet(steps - last[0]), r.name() + " done");
                }
                lines.accept(String.format("seed %d, %-28s mIoU %.1f", seed, r.name(), 100 * cm.meanIoU()));
                return cm;
            }));
        }
        List<ConfusionMatrix> cms = ParallelJobs.run(work, parallel);
        if (bar != null) {
            bar.finish();
        }
        return cms;
    }

    /**
     * DAFormer's self-training on the toy world, next to the supervised rows' recipe {@code source}: target crops from
     * the native 128×64 images; DAFormer's ignored pseudo-label rows scaled to the 64-row crop (2 at the top, 15 at the
     * bottom: the toy target has an ego-vehicle hood too, about 6 rows); the teacher's EMA horizon 1/(1 − α) kept at
     * 1/40 of the run as DAFormer's (α 0.999 over 40,000 iterations), so α = 1 − 40/steps, at most 0.999; DAFormer's
     * threshold 0.968 and strong augmentation. Rules, not tuned values: nothing here was chosen by measuring.
     */
    static SelfTraining.Options toySelfTraining(SegformerTraining.Options source, long steps) {
        double alpha = Math.max(0, Math.min(0.999, 1 - 40.0 / steps));
        int[] rows = PseudoLabels.ignoredRows(source.crops().crop(), 15, 120);
        return new SelfTraining.Options(source, 0, 0, new DacsBatch.Settings(0.968, rows[0], rows[1], alpha, StrongAugment.Settings.DAFORMER));
    }

    /** Trains the row's SegFormer (unless done) and evaluates it; {@code evalLog} gets the evaluation's progress bar. */
    private static ConfusionMatrix trainAndEvaluate(ExperimentLog evalLog, Consumer<String> lines,
            TrainingLoop.Listener listener, Row r, Path dir, long steps, int seed, Datasets.Listing val) {
        Path model = dir.resolve("segformer");
        if (!Files.isRegularFile(model.resolve("model.safetensors"))) {
            Datasets.Listing set = r.set().get();
            lines.accept(String.format("== train SegFormer on %s (%d images, %d steps, seed %d)", r.name(),
                    set.samples().size(), steps, seed));
            try (SegformerModel m = SegformerModel.random(SegformerConfig.preset("mit-toy"), seed)) {
                // the toy-world gap protocol (examples/scripts/toyworld_gap.sh): 64² crops, batch 8, uniform sampling
                SegformerTraining.Options opts = SegformerTraining.Options.daformer(dir)
                        .withCrops(new SegformerTraining.Options.Crops(64, 0, 0, 0.75)).withBatch(8)
                        .withTraining(t -> t.steps(steps).lr(6e-4).warmup(Math.min(50, steps / 10)).seed(seed)
                                .checkpointEvery(0).keepCheckpoints(1).logEvery(Math.max(1, steps / 5))
                                .resume(Files.isDirectory(dir)))
                        .withPhotometric(new SegformerTraining.Options.Photometric(r.augment() ? 0.3 : 0, r.augment()))
                        .withRcs(new SegformerTraining.Options.Rcs(0, 3000));
                TrainingLoop.History h = r.selfTrainingTarget() == null ? SegformerTraining.run(m, set, opts, listener)
                        : SelfTraining.run(m, set, Datasets.images(r.selfTrainingTarget(), Datasets.Layout.CITYSCAPES, "train"),
                                toySelfTraining(opts, steps), listener);
                if (h.losses().isEmpty()) {
                    throw new IllegalStateException(dir + ": training produced no steps");
                }
            }
        }
        try (SegformerModel m = SegformerModel.load(model)) {
            ExperimentLog.Bar bar = evalLog.bar("eval " + r.name(), val.samples().size());
            ConfusionMatrix cm = Evaluator.run(m, val, Evaluator.Options.wholeImage(),
                    (done, total, s) -> bar.update(done, ""));
            bar.finish();
            IoUReport.write(cm, dir, "iou", "IoU per class: " + r.name());
            return cm;
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException(model + ": " + e.getMessage(), e.getCause());
        }
    }
}
