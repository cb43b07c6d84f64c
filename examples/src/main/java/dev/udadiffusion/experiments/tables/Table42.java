package dev.udadiffusion.experiments.tables;

import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.experiments.ExperimentLog;
import dev.udadiffusion.experiments.demo.Demo;
import dev.udadiffusion.experiments.demo.DemoOptions;
import dev.udadiffusion.experiments.demo.DemoReport;
import dev.udadiffusion.experiments.demo.DemoRows;
import dev.udadiffusion.segformer.eval.ConfusionMatrix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Table 4.2 (§4.3.1), in-domain: a SegFormer trained on the source, on images an "oracle" ControlNet generated from
 * target masks, and on the labeled target itself, all evaluated on target val. The oracle ControlNet is trained on
 * target image–mask pairs next to the base (prior) U-Net and samples with it (§4.2.1); it shows how much of the target
 * distribution generation can carry when the masks and the style are both the target's. On the toy world
 * ({@link #toy}) with the zoo's {@code controlnet_oracle} and prior {@code unet}, target train masks drawn uniformly
 * (the thesis: random crops of Cityscapes train masks; no RCS, no SCR); on real data ({@link #real}) with a set the
 * oracle ControlNet generated. Writes {@code table4.2.md}.
 */
public final class Table42 {

    /** The table's rows, in the thesis's order, with the names of its columns. */
    static final List<String> ROWS = List.of("source", "generated (oracle ControlNet)", "target (oracle)");

    private Table42() {
    }

    /** {@code java -cp udadiff.jar dev.udadiffusion.experiments.tables.Table42 [OPTIONS]}:
     * the same as {@code udadiff table 4.2 [OPTIONS]}. */
    public static void main(String[] args) {
        TableOutput.main("4.2", args);
    }

    /** The toy-world table: {@code demo.seeds()} seeds, {@code demo.budget().count()} generated samples each; resumes. */
    public static Path toy(DemoOptions o, String command, ExperimentLog log) {
        long started = System.nanoTime();
        Demo.World world = Demo.world(o, log);
        Demo.Generator oracle = new Demo.Generator("unet", "controlnet_oracle", true, false, false);
        Map<String, List<ConfusionMatrix>> results = new LinkedHashMap<>();
        Path firstGenerated = null;
        for (int s = 0; s < o.seeds(); s++) {
            Path seedDir = o.out().resolve("seed-" + s);
            Path gen = seedDir.resolve("generated-in-domain");
            log.line("== Table 4.2, seed " + s + ": generate from target masks with the oracle ControlNet");
            Demo.generate(o, world, oracle, gen, s, log);
            firstGenerated = firstGenerated == null ? gen : firstGenerated;
            List<DemoRows.Row> rows = List.of(
                    new DemoRows.Row(ROWS.get(0), world.written().source(), Datasets.Layout.GTA5, false),
                    new DemoRows.Row(ROWS.get(1), gen, Datasets.Layout.CITYSCAPES, false),
                    new DemoRows.Row(ROWS.get(2), world.written().target(), Datasets.Layout.CITYSCAPES, false));
            List<ConfusionMatrix> cms = DemoRows.train(rows, seedDir, o.budget().segformerSteps(), s, world.val(), o.jobs(), log);
            for (int i = 0; i < rows.size(); i++) {
                results.computeIfAbsent(rows.get(i).name(), k -> new ArrayList<>()).add(cms.get(i));
            }
        }
        Path md = o.out().resolve("table4.2.md");
        Path grid = firstGenerated.resolve("samples_grid.png");
        write(md, new DemoReport(results), "toy world (`" + command + "`), " + o.seeds() + " seed(s), " + o.budget().count()
                + " samples generated from target train masks by the zoo's controlnet_oracle with its prior U-Net ("
                + o.budget().denoisingSteps() + " DDIM steps, no RCS, no SCR), " + o.budget().segformerSteps()
                + " SegFormer steps per row", Files.isRegularFile(grid) ? o.out().relativize(grid) : null,
                (System.nanoTime() - started) / 60e9);
        return md;
    }

    /**
     * The table on real data with the thesis's settings (one seed): {@code d.generated()} is the set the oracle
     * ControlNet generated from Cityscapes train masks (the thesis: 6,000 images); rows already trained are evaluated again.
     */
    public static Path real(Table45.RealData d, Path out, ExperimentLog log) {
        long started = System.nanoTime();
        Datasets.Listing val = Datasets.cityscapes(d.cityscapes(), "val", Datasets.Policy.ERROR);
        Datasets.Listing gta = Datasets.gta5(d.gta5(), Datasets.Policy.RESIZE_LABEL, true);
        Datasets.Listing gen = Datasets.cityscapes(d.generated(), "train", Datasets.Policy.ERROR);
        Datasets.Listing city = Datasets.cityscapes(d.cityscapes(), "train", Datasets.Policy.ERROR);
        Map<String, List<ConfusionMatrix>> results = new LinkedHashMap<>();
        results.put(ROWS.get(0), List.of(Table45.supervised(out, "source", d, log, val, gta, false)));
        results.put(ROWS.get(1), List.of(Table45.supervised(out, "generated", d, log, val, gen, true)));
        results.put(ROWS.get(2), List.of(Table45.supervised(out, "target", d, log, val, city, false)));
        Path md = out.resolve("table4.2.md");
        write(md, new DemoReport(results), "real data: source " + d.gta5() + ", target " + d.cityscapes()
                + ", generated in-domain " + d.generated() + ", backbone " + d.imnetBackbone() + ", " + d.steps()
                + " iterations per row", null, (System.nanoTime() - started) / 60e9);
        return md;
    }

    /** table4.2.md: the thesis's mIoU and ours, and where the generated row falls between the source and the oracle. */
    static void write(Path md, DemoReport ours, String what, Path grid, double minutes) {
        ThesisNumbers.Table t = ThesisNumbers.TABLE_4_2;
        List<String> thesisRows = ThesisNumbers.rowNames(t);
        StringBuilder b = new StringBuilder("# Table " + t.id() + " (thesis §" + t.section() + ")\n\n" + t.caption() + ".\n\n");
        b.append("| trained on → evaluated on target val | thesis mIoU | ours mIoU (mean ± std over seeds) |\n|---|---|---|\n");
        for (int i = 0; i < ROWS.size(); i++) {
            double[] m = ours.miou(ROWS.get(i));
            b.append(String.format(Locale.ROOT, "| %s (thesis: %s) | %.1f | %.1f ± %.1f |%n", ROWS.get(i), thesisRows.get(i),
                    t.rows().get(thesisRows.get(i))[0], 100 * m[0], 100 * m[1]));
        }
        double src = ours.miou(ROWS.get(0))[0];
        double gen = ours.miou(ROWS.get(1))[0];
        double orc = ours.miou(ROWS.get(2))[0];
        double[] th = {t.rows().get(thesisRows.get(0))[0], t.rows().get(thesisRows.get(1))[0], t.rows().get(thesisRows.get(2))[0]};
        b.append("\n## Does the generated row fall between the source and the oracle?\n\n");
        b.append(String.format(Locale.ROOT, "The thesis: yes — %.1f < %.1f < %.1f; the generated set closes %.0f %% of the "
                + "gap from the source to the oracle.%n%n", th[0], th[1], th[2], 100 * (th[1] - th[0]) / (th[2] - th[0])));
        b.append(String.format(Locale.ROOT, "Ours: %s — %.1f, %.1f, %.1f; the generated set closes %.0f %% of the gap.%n",
                src < gen && gen < orc ? "yes" : "no", 100 * src, 100 * gen, 100 * orc, 100 * (gen - src) / (orc - src)));
        b.append("\n- generated against source: ").append(ours.versusText(ROWS.get(1), ROWS.get(0))).append('\n');
        b.append("- oracle against generated: ").append(ours.versusText(ROWS.get(2), ROWS.get(1))).append('\n');
        if (grid != null) {
            b.append("\nGenerated samples (first seed; mask, image): ![samples](").append(grid.toString().replace('\\', '/'))
                    .append(")\n");
        }
        b.append("\nOurs: ").append(what).append(String.format(Locale.ROOT, "; %.1f min.%n", minutes));
        TableOutput.write(md, b.toString(), t, ours);
    }
}
