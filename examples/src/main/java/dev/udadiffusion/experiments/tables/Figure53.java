package dev.udadiffusion.experiments.tables;

import dev.udadiffusion.core.image.LineChart;
import dev.udadiffusion.core.io.AtomicFiles;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.experiments.ExperimentLog;
import dev.udadiffusion.experiments.demo.Demo;
import dev.udadiffusion.experiments.demo.DemoOptions;
import dev.udadiffusion.experiments.demo.DemoReport;
import dev.udadiffusion.experiments.demo.DemoRows;
import dev.udadiffusion.experiments.demo.ReportHtml;
import dev.udadiffusion.segformer.eval.ConfusionMatrix;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Figure 5.3 (§5.2, few-shot): the oracle SegFormer's mIoU on target val against the share of labeled target training
 * images it is trained on (1, 5, 10, 25, 50, 100 %), and the practical question the thesis leaves open — the same
 * curve when the generated set (source masks, U-Net swap, RCS, SCR) is added to those labeled images, with the
 * generated set alone at 0 %. Each share is a seeded random subset of target train, nested within a seed (the 1 %
 * images are among the 5 %), drawn anew per seed. On the toy world with the demo's zoo, generated sets and SegFormer
 * protocol (a seed's generated set is the demo's, so an output folder shared with the demo reuses it). Writes
 * {@code figure5.3.md}, {@code .html} and {@code .png}.
 */
public final class Figure53 {

    /** The thesis's x axis: shares of the labeled target training set. */
    public static final double[] SHARES = {0.01, 0.05, 0.10, 0.25, 0.50, 1.0};
    /** A smoke run's shares (5 rows instead of 13). */
    public static final double[] QUICK_SHARES = {0.10, 1.0};
    static final String GENERATED = "generated";

    private Figure53() {
    }

    /** {@code java -cp udadiff.jar dev.udadiffusion.experiments.tables.Figure53 [OPTIONS]}:
     * the same as {@code udadiff table 5.3 [OPTIONS]}. */
    public static void main(String[] args) {
        TableOutput.main("5.3", args);
    }

    static String targetRow(double share) {
        return "target " + percent(share);
    }

    static String generatedRow(double share) {
        return GENERATED + " + target " + percent(share);
    }

    static String percent(double share) {
        return String.format(Locale.ROOT, "%.0f %%", 100 * share);
    }

    /**
     * The figure on the toy world at {@code shares} of the labeled target images ({@link #SHARES}: the thesis's axis):
     * {@code o.seeds()} seeds, 2 × shares + 1 SegFormer rows per seed; resumes.
     */
    public static Path toy(DemoOptions o, double[] shares, String command, ExperimentLog log) {
        long started = System.nanoTime();
        Demo.World world = Demo.world(o, log);
        Datasets.Listing target = Datasets.cityscapes(world.written().target(), "train", Datasets.Policy.ERROR);
        Map<String, List<ConfusionMatrix>> results = new LinkedHashMap<>();
        for (int s = 0; s < o.seeds(); s++) {
            int seed = s;
            Path seedDir = o.out().resolve("seed-" + s);
            Path gen = seedDir.resolve("generated");
            Demo.generate(o, world, Demo.Generator.of(DemoOptions.Ablations.FULL_METHOD), gen, s, log);
            List<DemoRows.Row> rows = new ArrayList<>();
            Path tgt = world.written().target();
            for (double share : shares) {
                int k = count(share, target.samples().size());
                rows.add(new DemoRows.Row(targetRow(share), tgt, () -> target.subset(k, seed), false, null));
            }
            rows.add(new DemoRows.Row(GENERATED, gen, Datasets.Layout.CITYSCAPES, false));
            for (double share : shares) {
                int k = count(share, target.samples().size());
                rows.add(new DemoRows.Row(generatedRow(share), gen, () -> Datasets.cityscapes(gen, "train",
                        Datasets.Policy.ERROR).concat(target.subset(k, seed)), false, null));
            }
            log.line("== Figure 5.3, seed " + s + ": " + rows.size() + " SegFormer rows");
            List<ConfusionMatrix> cms = DemoRows.train(rows, seedDir, o.budget().segformerSteps(), s, world.val(), o.jobs(), log);
            for (int i = 0; i < rows.size(); i++) {
                results.computeIfAbsent(rows.get(i).name(), x -> new ArrayList<>()).add(cms.get(i));
            }
        }
        Path md = o.out().resolve("figure5.3.md");
        write(md, new DemoReport(results), shares, target.samples().size(), "toy world (`" + command + "`), " + o.seeds()
                + " seed(s), " + o.budget().count() + " generated samples per seed, " + o.budget().segformerSteps()
                + " SegFormer steps per point", (System.nanoTime() - started) / 60e9);
        return md;
    }

    /** Labeled images at a share: rounded, at least one. */
    static int count(double share, int total) {
        return Math.max(1, Math.min(total, (int) Math.round(share * total)));
    }

    /** figure5.3.md/.html/.png: the points (mean ± std over seeds), the thesis's claim checked, the two curves compared. */
    static void write(Path md, DemoReport ours, double[] shares, int targetImages, String what, double minutes) {
        List<String> x = new ArrayList<>(List.of("0 %"));
        double[][] tm = new double[2][shares.length + 1];
        double[][] gm = new double[2][shares.length + 1];
        tm[0][0] = Double.NaN;
        tm[1][0] = Double.NaN;
        double[] g0 = ours.miou(GENERATED);
        gm[0][0] = 100 * g0[0];
        gm[1][0] = 100 * g0[1];
        StringBuilder b = new StringBuilder("# Figure 5.3 (thesis §5.2): labels needed\n\n");
        b.append("The thesis: \"even 10 % of the training data can already yield a relatively high mIoU score\" (the oracle "
                + "SegFormer against the share of labeled Cityscapes training images; the figure gives no numbers).\n\n");
        b.append("| labeled target images | target labels only (mIoU) | generated + target labels (mIoU) | generated + labels "
                + "against labels only (paired, seed by seed) |\n|---|---|---|---|\n");
        b.append(String.format(Locale.ROOT, "| 0 %% (0) | – | %.1f ± %.1f | |%n", gm[0][0], gm[1][0]));
        for (int i = 0; i < shares.length; i++) {
            double[] t = ours.miou(targetRow(shares[i]));
            double[] g = ours.miou(generatedRow(shares[i]));
            tm[0][i + 1] = 100 * t[0];
            tm[1][i + 1] = 100 * t[1];
            gm[0][i + 1] = 100 * g[0];
            gm[1][i + 1] = 100 * g[1];
            x.add(percent(shares[i]));
            b.append(String.format(Locale.ROOT, "| %s (%d) | %.1f ± %.1f | %.1f ± %.1f | %s |%n", percent(shares[i]),
                    count(shares[i], targetImages), tm[0][i + 1], tm[1][i + 1], gm[0][i + 1], gm[1][i + 1],
                    ours.versusText(generatedRow(shares[i]), targetRow(shares[i]))));
        }
        List<Double> axis = java.util.Arrays.stream(shares).boxed().toList();
        int ten = axis.indexOf(0.10) + 1; // x index of 10 % (0 % is the first)
        int all = axis.indexOf(1.0) + 1;
        if (ten > 0 && all > 0) {
            b.append(String.format(Locale.ROOT, "%n## Is 10 %% of the labels already close to the oracle?%n%nOurs: 10 %% of "
                    + "the labels reach %.1f mIoU, %.0f %% of the 100 %% oracle's %.1f (10 %% against 100 %%: %s).%n",
                    tm[0][ten], 100 * tm[0][ten] / tm[0][all], tm[0][all], ours.versusText(targetRow(0.10), targetRow(1.0))));
        }
        Path png = md.resolveSibling(md.getFileName().toString().replaceFirst("\\.md$", "") + ".png");
        LineChart.write(png, "Figure 5.3: mIoU on target val against the share of labeled target images (mean ± std over "
                + "seeds)", "labeled target training images", "mIoU (%)", x, List.of(
                        new LineChart.Series("target labels only", tm[0], tm[1]),
                        new LineChart.Series("generated set + target labels", gm[0], gm[1])));
        b.append("\n![mIoU against the share of labels](").append(png.getFileName()).append(")\n");
        b.append("\nOurs: ").append(what).append(String.format(Locale.ROOT, "; %.1f min.%n", minutes));
        AtomicFiles.writeString(md, b.toString());
        AtomicFiles.writeString(md.resolveSibling(md.getFileName().toString().replaceFirst("\\.md$", "") + ".html"),
                ReportHtml.render(b.toString()));
    }
}
