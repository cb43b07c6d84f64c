package dev.udadiffusion.experiments.tables;

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
 * Table 4.4 (§4.3.3): the generator with neither Rare Class Sampling nor Small Components Refinement, with RCS, and with
 * both, judged by a SegFormer trained on each generated set and evaluated on target val. On the toy world it runs the
 * demo's generation three times (ablation variants, same seeds and world; each generated set in its own folder) and
 * trains the generated row of each. Writes {@code table4.4.md}: the thesis's mIoU beside ours (mean ± std over
 * seeds) and each step against the previous one, seed by seed (RCS against neither, RCS + SCR against RCS).
 */
public final class Table44 {

    /** The variants in the thesis's row order, with its row names. */
    static final Map<String, DemoOptions.Ablations> VARIANTS = variants();

    private Table44() {
    }

    /** {@code java -cp udadiff.jar dev.udadiffusion.experiments.tables.Table44 [OPTIONS]}:
     * the same as {@code udadiff table 4.4 [OPTIONS]}. */
    public static void main(String[] args) {
        TableOutput.main("4.4", args);
    }

    private static Map<String, DemoOptions.Ablations> variants() {
        Map<String, DemoOptions.Ablations> m = new LinkedHashMap<>();
        m.put("neither", new DemoOptions.Ablations(false, false, true));
        m.put("RCS", new DemoOptions.Ablations(true, false, true));
        m.put("RCS + SCR", DemoOptions.Ablations.FULL_METHOD);
        return m;
    }

    /** The toy-world table: the three generators, {@code demo.seeds()} seeds each, resumable like the demo. */
    public static Path toy(DemoOptions demo, String command, ExperimentLog log) {
        Map<String, List<ConfusionMatrix>> results = new LinkedHashMap<>();
        double minutes = 0;
        for (Map.Entry<String, DemoOptions.Ablations> v : VARIANTS.entrySet()) {
            log.line("== Table 4.4: generation with " + v.getKey());
            Demo.Result r = Demo.run(demo.withAblations(v.getValue()).withRows(DemoOptions.RowSet.GENERATED_ONLY), command, log);
            results.put(v.getKey(), r.report().matrices(r.report().rows().get(0)));
            minutes += r.minutes();
        }
        Path md = demo.out().resolve("table4.4.md");
        write(md, new DemoReport(results), "toy world (`" + command + "`), " + demo.seeds() + " seed(s), "
                + demo.budget().count() + " generated samples and " + demo.budget().segformerSteps()
                + " SegFormer steps per row", minutes);
        return md;
    }

    /** table4.4.md: the thesis's mIoU, ours, and each row against the one before it. */
    static void write(Path md, DemoReport ours, String what, double minutes) {
        ThesisNumbers.Table t = ThesisNumbers.TABLE_4_4;
        StringBuilder b = new StringBuilder("# Table " + t.id() + " (thesis §" + t.section() + ")\n\n" + t.caption() + ".\n\n");
        b.append("| generator | thesis mIoU | ours mIoU | against the row before (paired, seed by seed) |\n|---|---|---|---|\n");
        String previous = null;
        for (String row : ours.rows()) {
            double[] m = ours.miou(row);
            b.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f ± %.1f | %s |%n", row, t.rows().get(row)[0], 100 * m[0],
                    100 * m[1], previous == null ? "" : previous + ": " + ours.versusText(row, previous)));
            previous = row;
        }
        b.append("\nThe thesis: RCS +3.8, SCR a further +3.5. Ours: ").append(what)
                .append(String.format(Locale.ROOT, "; %.1f min.%n", minutes));
        TableOutput.write(md, b.toString(), ThesisNumbers.TABLE_4_4, ours);
    }
}
