package dev.udadiffusion.experiments.tables;

import dev.udadiffusion.controlnet.generate.SampleGrid;
import dev.udadiffusion.core.image.BarChart;
import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.core.io.AtomicFiles;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.io.Sample;
import dev.udadiffusion.data.style.ClassPalette;
import dev.udadiffusion.experiments.ExperimentLog;
import dev.udadiffusion.experiments.demo.Demo;
import dev.udadiffusion.experiments.demo.DemoOptions;
import dev.udadiffusion.experiments.demo.DemoReport;
import dev.udadiffusion.experiments.demo.DemoRows;
import dev.udadiffusion.experiments.demo.ReportHtml;
import dev.udadiffusion.segformer.SegformerModel;
import dev.udadiffusion.segformer.eval.ConfusionMatrix;
import dev.udadiffusion.segformer.eval.Evaluator;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.math3.stat.descriptive.SummaryStatistics;
import org.apache.commons.math3.stat.inference.TTest;

/**
 * Figure 5.2 (§5.1), the trade-off between style and alignment: the full ControlNet against the lightweight one (the
 * full one's weights frozen, its zero convolutions reset and trained alone: the zoo's {@code controlnet_lightweight}),
 * both sampling with the target U-Net (U-Net swap) from the same source masks, seeds and noise (RCS on, no SCR, so the
 * ControlNet is the only difference). Per seed: alignment — an oracle SegFormer trained on labeled target images
 * segments the generated images, scored against their masks; style — the distance of the generated class colours to
 * the target's ({@link ClassPalette}); and, as the downstream check, a SegFormer trained on each generated set and
 * evaluated on target val. Writes {@code figure5.2.md}, {@code .html}, {@code .png} and {@code figure5.2_samples.png}
 * (mask | full | lightweight).
 */
public final class Figure52 {

    /** The two ControlNets: the row name and the zoo folder. */
    static final Map<String, String> CONTROLNETS = Map.of("full ControlNet", "controlnet",
            "lightweight ControlNet", "controlnet_lightweight");
    static final List<String> ORDER = List.of("full ControlNet", "lightweight ControlNet");
    static final String ORACLE = "target (oracle)";

    private Figure52() {
    }

    /** {@code java -cp udadiff.jar dev.udadiffusion.experiments.tables.Figure52 [OPTIONS]}:
     * the same as {@code udadiff table 5.2 [OPTIONS]}. */
    public static void main(String[] args) {
        TableOutput.main("5.2", args);
    }

    /** The figure on the toy world: {@code o.seeds()} seeds; resumes. */
    public static Path toy(DemoOptions o, String command, ExperimentLog log) {
        long started = System.nanoTime();
        Demo.World world = Demo.world(o, log);
        Path tgt = world.written().target();
        ClassPalette target = ClassPalette.of(Datasets.cityscapes(tgt, "train", Datasets.Policy.ERROR));
        ClassPalette source = ClassPalette.of(Datasets.gta5(world.written().source(), Datasets.Policy.ERROR, false));
        Map<String, List<ConfusionMatrix>> alignment = new LinkedHashMap<>();
        Map<String, List<ConfusionMatrix>> downstream = new LinkedHashMap<>();
        Map<String, double[][]> style = new LinkedHashMap<>(); // per ControlNet: [seed] {to target, to source}
        Path[] firstSets = new Path[ORDER.size()];
        for (int s = 0; s < o.seeds(); s++) {
            Path seedDir = o.out().resolve("seed-" + s);
            List<DemoRows.Row> rows = new ArrayList<>(List.of(new DemoRows.Row(ORACLE, tgt, Datasets.Layout.CITYSCAPES, false)));
            List<Path> sets = new ArrayList<>();
            for (String name : ORDER) {
                Path gen = seedDir.resolve("generated-" + CONTROLNETS.get(name).replace('_', '-'));
                log.line("== Figure 5.2, seed " + s + ": generate with the " + name);
                Demo.generate(o, world, new Demo.Generator("unet_target", CONTROLNETS.get(name), false, true, false), gen, s, log);
                sets.add(gen);
                rows.add(new DemoRows.Row("generated, " + name, gen, Datasets.Layout.CITYSCAPES, false));
            }
            if (s == 0) {
                sets.toArray(firstSets);
            }
            List<ConfusionMatrix> cms = DemoRows.train(rows, seedDir, o.budget().segformerSteps(), s, world.val(), o.jobs(), log);
            downstream.computeIfAbsent(ORACLE, k -> new ArrayList<>()).add(cms.get(0));
            Path oracle = seedDir.resolve("train-target-oracle/segformer");
            try (SegformerModel m = SegformerModel.load(oracle)) {
                for (int i = 0; i < ORDER.size(); i++) {
                    String name = ORDER.get(i);
                    Datasets.Listing set = Datasets.cityscapes(sets.get(i), "train", Datasets.Policy.ERROR);
                    ExperimentLog.Bar bar = log.bar("alignment, " + name, set.samples().size());
                    alignment.computeIfAbsent(name, k -> new ArrayList<>()).add(Evaluator.run(m, set,
                            Evaluator.Options.wholeImage(), (done, total, x) -> bar.update(done, "")));
                    bar.finish();
                    ClassPalette p = ClassPalette.of(set);
                    double[][] st = style.computeIfAbsent(name, k -> new double[o.seeds()][]);
                    st[s] = new double[] {p.distanceTo(target), p.distanceTo(source)};
                    downstream.computeIfAbsent("generated, " + name, k -> new ArrayList<>()).add(cms.get(i + 1));
                }
            }
        }
        Path md = o.out().resolve("figure5.2.md");
        Path grid = md.resolveSibling("figure5.2_samples.png");
        samples(grid, firstSets, 6);
        write(md, new DemoReport(alignment), new DemoReport(downstream), style,
                new double[] {source.distanceTo(target), target.distanceTo(source)}, grid, "toy world (`" + command + "`), "
                        + o.seeds() + " seed(s), " + o.budget().count() + " samples per ControlNet and seed ("
                        + o.budget().denoisingSteps() + " DDIM steps, RCS, no SCR), " + o.budget().segformerSteps()
                        + " SegFormer steps per row", (System.nanoTime() - started) / 60e9);
        return md;
    }

    /** mask | full | lightweight for the first {@code n} samples both sets hold (same ids, same masks). */
    static void samples(Path png, Path[] sets, int n) {
        Datasets.Listing fullListing = Datasets.cityscapes(sets[0], "train", Datasets.Policy.ERROR);
        Map<String, Sample> light = new LinkedHashMap<>();
        Datasets.cityscapes(sets[1], "train", Datasets.Policy.ERROR).samples().forEach(x -> light.put(x.id(), x));
        List<int[][]> masks = new ArrayList<>();
        List<BufferedImage> a = new ArrayList<>();
        List<BufferedImage> b = new ArrayList<>();
        for (Sample x : fullListing.samples()) {
            if (masks.size() == n) {
                break;
            }
            if (light.containsKey(x.id())) {
                masks.add(fullListing.readTrainIds(x));
                a.add(Images.read(x.image()));
                b.add(Images.read(light.get(x.id()).image()));
            }
        }
        if (!masks.isEmpty()) {
            SampleGrid.writeColumns(png, masks, List.of(a, b), 3);
        }
    }

    /** figure5.2.md/.html/.png: alignment, style and downstream per ControlNet, and the thesis's direction checked. */
    static void write(Path md, DemoReport alignment, DemoReport downstream, Map<String, double[][]> style,
            double[] domainGap, Path grid, String what, double minutes) {
        StringBuilder b = new StringBuilder("# Figure 5.2 (thesis §5.1): lightweight against full ControlNet\n\n");
        b.append("The thesis (qualitative): the lightweight ControlNet's images look more natural (closer to the target "
                + "style), but follow the control maps less well; it keeps the full one for its alignment.\n\n");
        b.append("| ControlNet | alignment mIoU (oracle SegFormer on the generated images) | class-colour distance to the "
                + "target (RGB, lower = more target-like) | to the source | downstream mIoU (SegFormer trained on the set, "
                + "target val) |\n|---|---|---|---|---|\n");
        for (String name : ORDER) {
            double[] a = alignment.miou(name);
            double[] t = column(style.get(name), 0);
            double[] s = column(style.get(name), 1);
            double[] d = downstream.miou("generated, " + name);
            b.append(String.format(Locale.ROOT, "| %s | %.1f ± %.1f | %.1f ± %.1f | %.1f ± %.1f | %.1f ± %.1f |%n", name,
                    100 * a[0], 100 * a[1], mean(t), std(t), mean(s), std(s), 100 * d[0], 100 * d[1]));
        }
        double[] o = downstream.miou(ORACLE);
        b.append(String.format(Locale.ROOT, "%nFor scale: the oracle SegFormer scores %.1f ± %.1f mIoU on real target val; "
                + "the real source images' class colours are %.1f from the target's (the domain gap in colour).%n",
                100 * o[0], 100 * o[1], domainGap[0]));
        double[] light = column(style.get(ORDER.get(1)), 0);
        double[] full = column(style.get(ORDER.get(0)), 0);
        boolean closer = mean(light) < mean(full);
        boolean worse = alignment.miou(ORDER.get(1))[0] < alignment.miou(ORDER.get(0))[0];
        b.append("\n## Does the thesis's trade-off hold?\n\n");
        b.append(String.format(Locale.ROOT, "- style: the lightweight ControlNet is %s the target (distance %+.1f ± %.1f "
                + "against the full one, seed by seed%s)%n", closer ? "closer to" : "not closer to", mean(diff(light, full)),
                std(diff(light, full)), pText(light, full)));
        b.append("- alignment: the lightweight ControlNet ").append(worse ? "aligns worse" : "does not align worse")
                .append(" (").append(alignment.versusText(ORDER.get(1), ORDER.get(0))).append(")\n");
        b.append("- downstream: ").append(downstream.versusText("generated, " + ORDER.get(1), "generated, " + ORDER.get(0)))
                .append(" (lightweight against full)\n");
        b.append("- the thesis's direction (closer in style, worse in alignment): ")
                .append(closer && worse ? "holds" : "does not hold").append(".\n");
        Path png = md.resolveSibling(md.getFileName().toString().replaceFirst("\\.md$", "") + ".png");
        int[][] colours = {{90, 140, 200}, {220, 120, 40}, {90, 140, 200}, {220, 120, 40}};
        BarChart.write(png, "Figure 5.2: full (blue) and lightweight (orange) ControlNet — alignment mIoU (%) and class-colour "
                + "distance to the target (RGB)", List.of("alignment, full", "alignment, lightweight", "style dist., full",
                        "style dist., lightweight"), new double[] {100 * alignment.miou(ORDER.get(0))[0],
                            100 * alignment.miou(ORDER.get(1))[0], mean(full), mean(light)}, colours, false, 70);
        b.append("\n![alignment and style](").append(png.getFileName()).append(")\n");
        b.append("\nSamples (first seed; mask | full | lightweight, same mask and noise): ![samples](")
                .append(grid.getFileName()).append(")\n");
        b.append("\nOurs: ").append(what).append(String.format(Locale.ROOT, "; %.1f min.%n", minutes));
        AtomicFiles.writeString(md, b.toString());
        AtomicFiles.writeString(md.resolveSibling(md.getFileName().toString().replaceFirst("\\.md$", "") + ".html"),
                ReportHtml.render(b.toString()));
    }

    private static double[] column(double[][] v, int k) {
        double[] c = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            c[i] = v[i][k];
        }
        return c;
    }

    private static double[] diff(double[] a, double[] b) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return d;
    }

    private static double mean(double[] v) {
        SummaryStatistics s = new SummaryStatistics();
        for (double x : v) {
            s.addValue(x);
        }
        return s.getMean();
    }

    private static double std(double[] v) {
        if (v.length < 2) {
            return 0;
        }
        SummaryStatistics s = new SummaryStatistics();
        for (double x : v) {
            s.addValue(x);
        }
        return s.getStandardDeviation();
    }

    private static String pText(double[] a, double[] b) {
        if (a.length < 3 || std(diff(a, b)) == 0) {
            return "";
        }
        return String.format(Locale.ROOT, ", paired t-test p = %.2f", new TTest().pairedTTest(a, b));
    }
}
