package dev.udadiffusion.experiments.tables;

import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.experiments.ExperimentLog;
import dev.udadiffusion.experiments.demo.Demo;
import dev.udadiffusion.experiments.demo.DemoOptions;
import dev.udadiffusion.experiments.demo.DemoReport;
import dev.udadiffusion.segformer.eval.ConfusionMatrix;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Table 4.3 (§4.3.2), the cross-domain result: a SegFormer trained on the source (GTA5) against one trained on the
 * generated set (target-style images for source masks, U-Net swap), per class on target val. On the toy world
 * ({@link #toy}) it runs the demo — its rows are the table's two plus source with photometric augmentation and the
 * target oracle, for scale; on real data ({@link #real}) both rows with the thesis's settings (MiT-B5 from ImageNet
 * weights, DAFormer's source recipe, 40k iterations; Cityscapes val at 1024×512, 512 windows every 256). Writes
 * {@code table4.3.md}: the thesis's rows beside ours (per class, mean over seeds; mIoU mean ± std) and the generated
 * row against the source row, seed by seed.
 */
public final class Table43 {

    private Table43() {
    }

    /** {@code java -cp udadiff.jar dev.udadiffusion.experiments.tables.Table43 [OPTIONS]}:
     * the same as {@code udadiff table 4.3 [OPTIONS]}. */
    public static void main(String[] args) {
        TableOutput.main("4.3", args);
    }

    /** The toy-world table: the demo's rows, {@code demo.seeds()} seeds, resumable like the demo. */
    public static Path toy(DemoOptions demo, String command, ExperimentLog log) {
        DemoOptions o = demo.withRows(DemoOptions.RowSet.DEMO);
        Demo.Result r = Demo.run(o, command, log);
        Path md = o.out().resolve("table4.3.md");
        write(md, r.report(), "toy world (`" + command + "`), " + o.seeds() + " seed(s), " + o.budget().count()
                + " generated samples and " + o.budget().segformerSteps() + " SegFormer steps per row; full report: "
                + "report.md / report.html", r.minutes());
        return md;
    }

    /** The table on real data with the thesis's settings (one seed); rows already trained are evaluated again. */
    public static Path real(Table45.RealData d, Path out, ExperimentLog log) {
        long started = System.nanoTime();
        Datasets.Listing val = Datasets.cityscapes(d.cityscapes(), "val", Datasets.Policy.ERROR);
        Datasets.Listing gta = Datasets.gta5(d.gta5(), Datasets.Policy.RESIZE_LABEL, true);
        Datasets.Listing gen = Datasets.cityscapes(d.generated(), "train", Datasets.Policy.ERROR);
        Map<String, List<ConfusionMatrix>> results = new LinkedHashMap<>();
        results.put("source", List.of(Table45.supervised(out, "source", d, log, val, gta, false)));
        results.put("generated", List.of(Table45.supervised(out, "generated", d, log, val, gen, true)));
        Path md = out.resolve("table4.3.md");
        write(md, new DemoReport(results), "real data: source " + d.gta5() + ", target " + d.cityscapes() + ", generated "
                + d.generated() + ", backbone " + d.imnetBackbone() + ", " + d.steps() + " iterations per row",
                (System.nanoTime() - started) / 60e9);
        return md;
    }

    /** table4.3.md: the thesis's rows, ours, and the generated row against the source row. */
    static void write(Path md, DemoReport ours, String what, double minutes) {
        StringBuilder b = new StringBuilder();
        Table45.perClass(b, ThesisNumbers.TABLE_4_3, ours);
        b.append("\n## Does the generated set beat the source?\n\nThe thesis: +3.4 mIoU (47.7 → 51.1).\n\n");
        b.append(ours.rows().contains("generated") && ours.rows().contains("source")
                ? "- generated against source: " + ours.versusText("generated", "source") + "\n"
                : "(no source and generated rows)\n");
        b.append("\n'–' marks a class absent from truth and prediction alike. Ours: ").append(what)
                .append(String.format(Locale.ROOT, "; %.1f min.%n", minutes));
        TableOutput.write(md, b.toString(), ThesisNumbers.TABLE_4_3, ours);
    }
}
