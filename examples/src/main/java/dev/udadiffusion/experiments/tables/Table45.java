package dev.udadiffusion.experiments.tables;

import dev.udadiffusion.core.train.TrainingLoop;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.experiments.ExperimentLog;
import dev.udadiffusion.experiments.demo.Demo;
import dev.udadiffusion.experiments.demo.DemoOptions;
import dev.udadiffusion.experiments.demo.DemoReport;
import dev.udadiffusion.segformer.SegformerConfig;
import dev.udadiffusion.segformer.SegformerModel;
import dev.udadiffusion.segformer.eval.ConfusionMatrix;
import dev.udadiffusion.segformer.eval.Evaluator;
import dev.udadiffusion.segformer.eval.IoUReport;
import dev.udadiffusion.segformer.train.SegformerTraining;
import dev.udadiffusion.segformer.uda.SelfTraining;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Table 4.5 (§4.3.4): does DAFormer's self-training help a segmenter trained on the generated set? Rows: the generated
 * set alone, the generated set + self-training (target images unlabeled), and the source + self-training, plus the
 * source alone as the second baseline. On the toy world ({@link #toy}) it runs the demo's pipeline with these rows and
 * seeds; on real data ({@link #real}) the thesis's settings: SegFormer MiT-B5 from ImageNet weights, 40k iterations,
 * DAFormer's recipe with its ImageNet feature distance, Cityscapes val at 1024×512 with 512 windows every 256. Writes {@code table4.5.md}: the thesis's
 * rows beside ours (mean ± std over seeds), and each self-training row against its row without, seed by seed.
 */
public final class Table45 {

    /**
     * Real-data inputs: GTA5 root, Cityscapes root, a generated set (Cityscapes layout), the ImageNet backbone of the
     * architecture {@code config} (the thesis: MiT-B5) and the iterations per row (the thesis: 40,000).
     */
    public record RealData(Path gta5, Path cityscapes, Path generated, Path imnetBackbone, SegformerConfig config, long steps) {
        public RealData(Path gta5, Path cityscapes, Path generated, Path imnetBackbone, long steps) {
            this(gta5, cityscapes, generated, imnetBackbone, SegformerConfig.b5(), steps);
        }
    }

    private Table45() {
    }

    /** {@code java -cp udadiff.jar dev.udadiffusion.experiments.tables.Table45 [OPTIONS]}:
     * the same as {@code udadiff table 4.5 [OPTIONS]}. */
    public static void main(String[] args) {
        TableOutput.main("4.5", args);
    }

    /** The toy-world table: the demo's world, zoo and generation, this table's rows, {@code seeds} seeds. */
    public static Path toy(DemoOptions demo, String command, ExperimentLog log) {
        DemoOptions o = demo.withRows(DemoOptions.RowSet.TABLE_4_5);
        Demo.Result r = Demo.run(o, command, log);
        Path md = o.out().resolve("table4.5.md");
        write(md, r.report(), "toy world (`" + command + "`), " + o.seeds() + " seed(s), " + o.budget().segformerSteps()
                + " SegFormer steps per row; full report: report.md / report.html", r.minutes());
        return md;
    }

    /** The table on real data with the thesis's settings (one seed); rows already trained are evaluated again. */
    public static Path real(RealData d, Path out, ExperimentLog log) {
        long started = System.nanoTime();
        Datasets.Listing val = Datasets.cityscapes(d.cityscapes(), "val", Datasets.Policy.ERROR);
        Datasets.Listing gta = Datasets.gta5(d.gta5(), Datasets.Policy.RESIZE_LABEL, true);
        Datasets.Listing gen = Datasets.cityscapes(d.generated(), "train", Datasets.Policy.ERROR);
        List<Path> target = Datasets.images(d.cityscapes(), Datasets.Layout.CITYSCAPES, "train");
        Map<String, List<ConfusionMatrix>> results = new LinkedHashMap<>();
        results.put("generated", List.of(supervised(out, "generated", d, log, val, gen, true)));
        results.put("generated + self-training", List.of(row(out.resolve("generated-self-training"), d, log, val,
                m -> selfTrain(m, gen, target, recipe(out.resolve("generated-self-training"), d, true), d, log))));
        results.put("source + self-training", List.of(row(out.resolve("source-self-training"), d, log, val,
                m -> selfTrain(m, gta, target, recipe(out.resolve("source-self-training"), d, false), d, log))));
        Path md = out.resolve("table4.5.md");
        write(md, new DemoReport(results), "real data: source " + d.gta5() + ", target " + d.cityscapes() + ", generated "
                + d.generated() + ", backbone " + d.imnetBackbone() + ", " + d.steps() + " iterations per row",
                (System.nanoTime() - started) / 60e9);
        return md;
    }

    /** DAFormer's settings; a generated set (512² images) is cropped as it is, without GTA5's 1280×720 resize. */
    static SelfTraining.Options recipe(Path dir, RealData d, boolean generatedSource) {
        SelfTraining.Options o = SelfTraining.Options.daformer(dir);
        SegformerTraining.Options s = o.source().withTraining(t -> t.steps(d.steps()).resume(true));
        return o.withSource(generatedSource ? s.withCrops(new SegformerTraining.Options.Crops(512, 0, 0, 0.75)) : s);
    }

    /** Self-training with DAFormer's ImageNet feature distance to the backbone the student starts from. */
    private static TrainingLoop.History selfTrain(SegformerModel student, Datasets.Listing source, List<Path> target,
            SelfTraining.Options o, RealData d, ExperimentLog log) {
        try (SegformerModel imnet = SegformerModel.loadBackbone(student.config(), d.imnetBackbone())) {
            return SelfTraining.run(student, source, target, o, imnet, log.training(500));
        }
    }

    interface RowTraining {
        TrainingLoop.History train(SegformerModel m);
    }

    /** A supervised real-data row in {@code OUT/name}: DAFormer's source recipe on {@code set} (a generated set as it is). */
    static ConfusionMatrix supervised(Path out, String name, RealData d, ExperimentLog log, Datasets.Listing val,
            Datasets.Listing set, boolean generated) {
        Path dir = out.resolve(name);
        return row(dir, d, log, val, m -> SegformerTraining.run(m, set, recipe(dir, d, generated).source(), log.training(500)));
    }

    /** A real-data row: trained from the ImageNet backbone unless its model is there, then evaluated on val. */
    static ConfusionMatrix row(Path dir, RealData d, ExperimentLog log, Datasets.Listing val, RowTraining t) {
        if (!Files.isRegularFile(dir.resolve("segformer/model.safetensors"))) {
            log.line("== " + dir.getFileName());
            try (SegformerModel m = SegformerModel.loadBackbone(d.config(), d.imnetBackbone())) {
                t.train(m);
            }
        }
        try (SegformerModel m = SegformerModel.load(dir.resolve("segformer"))) {
            ConfusionMatrix cm = Evaluator.run(m, val, Evaluator.Options.thesis(), null);
            IoUReport.write(cm, dir, "iou", "IoU per class: " + dir.getFileName());
            return cm;
        }
    }

    /** table4.5.md: the thesis's rows, ours, and each self-training row against its baseline seed by seed. */
    static void write(Path md, DemoReport ours, String what, double minutes) {
        ThesisNumbers.Table t = ThesisNumbers.TABLE_4_5;
        StringBuilder b = new StringBuilder();
        perClass(b, t, ours);
        b.append("\n## Does self-training help?\n\nThe thesis: +8.8 mIoU on the generated set (51.1 → 59.9).\n\n");
        List<String> lines = new ArrayList<>();
        for (String row : ours.rows()) {
            String base = ours.baseline(row);
            if (!base.equals(row) && row.endsWith(" + self-training")) {
                lines.add("- " + row + " against " + base + ": " + ours.versusText(row, base));
            }
        }
        b.append(lines.isEmpty() ? "(no baseline rows)\n" : String.join("\n", lines) + "\n");
        b.append("\n'–' marks a class absent from truth and prediction alike. Ours: ").append(what)
                .append(String.format(Locale.ROOT, "; %.1f min.%n", minutes));
        TableOutput.write(md, b.toString(), ThesisNumbers.TABLE_4_5, ours);
    }

    /** The title, the thesis's per-class rows and ours (mean over seeds per class, mIoU mean ± std) as one table. */
    static void perClass(StringBuilder b, ThesisNumbers.Table t, DemoReport ours) {
        b.append("# Table ").append(t.id()).append(" (thesis §").append(t.section()).append(")\n\n").append(t.caption())
                .append(".\n\n| | ");
        IoUReport.SHORT_NAMES.forEach(n -> b.append(n).append(" | "));
        b.append("mIoU |\n|---|").append("---|".repeat(IoUReport.SHORT_NAMES.size() + 1)).append('\n');
        t.rows().forEach((name, v) -> {
            b.append("| thesis: ").append(name).append(" | ");
            for (double x : v) {
                b.append(String.format(Locale.ROOT, "%.1f | ", x));
            }
            b.append('\n');
        });
        for (String row : ours.rows()) {
            b.append("| ours: ").append(row).append(" | ");
            for (double x : ours.meanIoU(row)) {
                b.append(Double.isNaN(x) ? "– | " : String.format(Locale.ROOT, "%.1f | ", 100 * x));
            }
            double[] m = ours.miou(row);
            b.append(String.format(Locale.ROOT, "**%.1f ± %.1f** |%n", 100 * m[0], 100 * m[1]));
        }
    }
}
