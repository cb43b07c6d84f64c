package dev.udadiffusion.experiments.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.controlnet.generate.LabeledDatasetGenerator;
import dev.udadiffusion.controlnet.generate.SampleGrid;
import dev.udadiffusion.core.image.BarChart;
import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.core.io.AtomicFiles;
import dev.udadiffusion.data.io.LabelMaps;
import dev.udadiffusion.data.labels.CityscapesClasses;
import dev.udadiffusion.segformer.eval.ConfusionMatrix;
import dev.udadiffusion.segformer.eval.IoUReport;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.commons.math3.stat.descriptive.SummaryStatistics;
import org.apache.commons.math3.stat.inference.TTest;

/**
 * The demo's report: the Table 4.3-style per-class IoU table (mean over seeds; mIoU as mean ± sample std when there
 * are several), charts, sample grids, the RCS histogram, and exactly what ran — as Markdown and as a self-contained
 * HTML page next to its images.
 */
public final class DemoReport {

    /**
     * What ran, for the report's "What ran" section and its samples: the zoo and its zoo.json, the generation reports per
     * seed, the first seed's generated set, the command line, samples per seed, SegFormer steps and this run's minutes.
     */
    public record Context(Path zoo, JsonNode zooJson, List<LabeledDatasetGenerator.Report> generation, Path generated,
            String command, int count, long steps, double minutes) {
    }

    private final Map<String, List<ConfusionMatrix>> results;
    private final int seeds;

    /** Rows in table order, each with one confusion matrix per seed (every row the same number of seeds). */
    public DemoReport(Map<String, List<ConfusionMatrix>> results) {
        this.results = new LinkedHashMap<>(results);
        this.seeds = results.isEmpty() ? 0 : results.values().iterator().next().size();
    }

    /** A row's confusion matrices, one per seed. */
    public List<ConfusionMatrix> matrices(String row) {
        return List.copyOf(results.get(row));
    }

    /** The rows in table order. */
    public List<String> rows() {
        return List.copyOf(results.keySet());
    }

    /** Per-class IoU of a row, averaged over seeds (NaN where a class never occurs). */
    public double[] meanIoU(String row) {
        List<ConfusionMatrix> cms = results.get(row);
        double[] m = new double[CityscapesClasses.COUNT];
        for (int c = 0; c < m.length; c++) {
            SummaryStatistics s = new SummaryStatistics();
            for (ConfusionMatrix cm : cms) {
                double v = cm.iou()[c];
                if (!Double.isNaN(v)) {
                    s.addValue(v);
                }
            }
            m[c] = s.getN() == 0 ? Double.NaN : s.getMean();
        }
        return m;
    }

    /** mIoU over seeds: {mean, sample std (0 for one seed)}. */
    public double[] miou(String row) {
        SummaryStatistics s = new SummaryStatistics();
        results.get(row).forEach(cm -> s.addValue(cm.meanIoU()));
        return new double[] {s.getMean(), s.getN() > 1 ? s.getStandardDeviation() : 0};
    }

    /** The plain-text table the command prints. */
    public String table() {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-30s", "trained on"));
        for (String n : IoUReport.SHORT_NAMES) {
            b.append(String.format(Locale.ROOT, "%" + width(n) + "s", n));
        }
        b.append(String.format(Locale.ROOT, "  %s%n", seeds > 1 ? "mIoU (mean ± std over " + seeds + " seeds)" : "mIoU"));
        for (String row : results.keySet()) {
            b.append(String.format(Locale.ROOT, "%-30s", row));
            double[] m = meanIoU(row);
            for (int c = 0; c < m.length; c++) {
                b.append(String.format(Locale.ROOT, "%" + width(IoUReport.SHORT_NAMES.get(c)) + "s",
                        Double.isNaN(m[c]) ? "-" : String.format(Locale.ROOT, "%.1f", 100 * m[c])));
            }
            b.append("  ").append(miouText(row)).append('\n');
        }
        return b.toString();
    }

    /**
     * A row against the first row (source-only), seed by seed: the same seed generated and trained both, so the
     * per-seed differences are paired. {mean difference, its sample std, seeds ahead, two-sided p of the paired t-test
     * (NaN below 3 seeds or with no spread)} — the margin of the demo's claim next to its noise.
     */
    public double[] versusFirst(String row) {
        return versus(row, firstRow());
    }

    /** As {@link #versusFirst} against {@code baseRow}. */
    public double[] versus(String row, String baseRow) {
        double[] base = results.get(baseRow).stream().mapToDouble(ConfusionMatrix::meanIoU).toArray();
        double[] mine = results.get(row).stream().mapToDouble(ConfusionMatrix::meanIoU).toArray();
        SummaryStatistics d = new SummaryStatistics();
        int ahead = 0;
        for (int s = 0; s < mine.length; s++) {
            d.addValue(mine[s] - base[s]);
            ahead += mine[s] > base[s] ? 1 : 0;
        }
        double p = mine.length >= 3 && d.getStandardDeviation() > 0 ? new TTest().pairedTTest(mine, base) : Double.NaN;
        return new double[] {d.getMean(), mine.length > 1 ? d.getStandardDeviation() : 0, ahead, p};
    }

    /** One line per row: its mIoU per seed and, for every row after the first, how it compares with the first. */
    public String perSeed() {
        List<String> rows = new ArrayList<>(results.keySet());
        StringBuilder b = new StringBuilder();
        for (String row : rows) {
            b.append(String.format(Locale.ROOT, "%-30s", row));
            results.get(row).forEach(cm -> b.append(String.format(Locale.ROOT, "%7.1f", 100 * cm.meanIoU())));
            String base = baseline(row);
            if (!row.equals(base)) {
                b.append("  vs ").append(base).append(": ").append(versusText(row, base));
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** What a row is compared with: for "X + self-training" row X when the table has it, else the first row. */
    public String baseline(String row) {
        String suffix = " + self-training";
        if (row.endsWith(suffix) && results.containsKey(row.substring(0, row.length() - suffix.length()))) {
            return row.substring(0, row.length() - suffix.length());
        }
        return firstRow();
    }

    /** "+1.2 ± 2.1, ahead on 4 of 5 seeds, paired t-test p = 0.26" for {@link #versus}. */
    public String versusText(String row, String base) {
        double[] v = versus(row, base);
        String p = Double.isNaN(v[3]) ? "" : v[3] < 0.01 ? ", paired t-test p < 0.01"
                : String.format(Locale.ROOT, ", paired t-test p = %.2f", v[3]);
        return String.format(Locale.ROOT, "%+.1f ± %.1f, ahead on %d of %d seeds%s", 100 * v[0], 100 * v[1], (int) v[2],
                results.get(row).size(), p);
    }

    private String firstRow() {
        return results.keySet().iterator().next();
    }

    private static int width(String name) {
        return Math.max(7, name.length() + 1);
    }

    private String miouText(String row) {
        double[] m = miou(row);
        return seeds > 1 ? String.format(Locale.ROOT, "%.1f ± %.1f", 100 * m[0], 100 * m[1])
                : String.format(Locale.ROOT, "%.1f", 100 * m[0]);
    }

    /** Writes report.md, report.html and their images into {@code out}. */
    void write(Path out, Context ctx) {
        List<String> rows = new ArrayList<>(results.keySet());
        // per-class IoU of every row side by side (mean over seeds), and the RCS histogram of the first seed's generation
        List<String> labels = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        List<int[]> colors = new ArrayList<>();
        int[][] palette = {{150, 150, 150}, {90, 140, 200}, {220, 120, 40}, {60, 160, 90}, {170, 80, 170}};
        for (int c = 0; c < CityscapesClasses.COUNT; c++) {
            for (int r = 0; r < rows.size(); r++) {
                double v = meanIoU(rows.get(r))[c];
                labels.add(r == 0 ? IoUReport.SHORT_NAMES.get(c) : "");
                values.add(Double.isNaN(v) ? 0 : 100 * v);
                colors.add(palette[r % palette.length]);
            }
        }
        BarChart.write(out.resolve("report_iou.png"), "IoU per class (%); bars in row order: " + String.join(" | ", rows),
                labels, values.stream().mapToDouble(Double::doubleValue).toArray(), colors.toArray(new int[0][]), false);
        long[] times = ctx.generation().get(0).timesSampled();
        double[] t = new double[times.length];
        for (int c = 0; c < t.length; c++) {
            t[c] = times[c];
        }
        BarChart.write(out.resolve("report_rcs.png"), "Rare Class Sampling: masks drawn per class (seed 0)",
                IoUReport.SHORT_NAMES, t, null, false);

        StringBuilder md = new StringBuilder("# uda-diffusion demo: the thesis's loop on the toy world\n\n");
        md.append(String.format(Locale.ROOT, "SegFormer (toy preset) trained %d steps on each set, evaluated on the toy world's "
                + "target val split; %d generated samples; %d seed(s); %.1f minutes for this run.%n%n", ctx.steps(), ctx.count(),
                seeds, ctx.minutes()));
        md.append("| trained on |");
        IoUReport.SHORT_NAMES.forEach(n -> md.append(' ').append(n).append(" |"));
        md.append(" mIoU |\n|---|");
        IoUReport.SHORT_NAMES.forEach(n -> md.append("---|"));
        md.append("---|\n");
        for (String row : rows) {
            md.append("| ").append(row).append(" |");
            for (double v : meanIoU(row)) {
                md.append(' ').append(Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", 100 * v)).append(" |");
            }
            md.append(" **").append(miouText(row)).append("** |\n");
        }
        md.append("\n![IoU per class](report_iou.png)\n\n");
        if (seeds > 1) {
            md.append("## Per seed\n\nmIoU of each row per seed; the same seed generates and trains every row, so each row is "
                    + "compared seed by seed (mean ± sample std of the differences) with the first row, a self-training row "
                    + "with its row without self-training.\n\n| trained on |");
            for (int s = 0; s < seeds; s++) {
                md.append(" seed ").append(s).append(" |");
            }
            md.append(" against |\n|---|").append("---|".repeat(seeds)).append("---|\n");
            for (String row : rows) {
                md.append("| ").append(row).append(" |");
                results.get(row).forEach(cm -> md.append(String.format(Locale.ROOT, " %.1f |", 100 * cm.meanIoU())));
                String base = baseline(row);
                md.append(' ').append(row.equals(base) ? "" : base + ": " + versusText(row, base))
                        .append(" |\n");
            }
            md.append('\n');
        }
        writeSwapGrid(ctx.generated(), out, out.resolve("report_samples.png"));
        md.append("## Generated samples\n\nSource mask | source (game) image | generated image (target U-Net + ControlNet) "
                + "| overlay of mask and generated image.\n\n![samples](report_samples.png)\n\n");
        md.append("## Rare Class Sampling\n\n![RCS](report_rcs.png)\n\n");
        md.append("## What ran\n\n");
        md.append("- demo: `").append(ctx.command()).append("`\n");
        JsonNode zooJson = ctx.zooJson();
        md.append("- zoo: `").append(ctx.zoo()).append("` made by `").append(zooJson.path("command").asText()).append("` (seed ")
                .append(zooJson.path("seed").asText()).append(", commit ").append(zooJson.path("commit").asText()).append(")\n");
        zooJson.path("sha256").fields().forEachRemaining(e -> md.append("  - `").append(e.getKey()).append("` sha256 `")
                .append(e.getValue().asText()).append("`\n"));
        md.append("- loss curves of the zoo: `").append(ctx.zoo().resolve("logs")).append("`\n");
        md.append("- per-row outputs (model, iou.csv, iou.png, loss.csv): `").append(out).append("/seed-N/train-<row>/`; ")
                .append("generated sets: `").append(out).append("/seed-N/generated*/`\n\n");
        md.append("""
                ## What this shows and what it does not

                The toy world is a 128×64 stand-in for GTA5 → Cityscapes with a calibrated domain gap; the zoo is Stable
                Diffusion with small configs trained here in about 40 minutes. The loop is the thesis's (U-Net swap, RCS, SCR,
                SegFormer), but the scale is not: numbers here say whether the mechanism transfers style at toy scale, not
                what SD1.5 achieves on real data. Thin classes (poles, lights, signs, riders) cover a few pixels at this
                size and may stay near 0 IoU in every row.
                """);
        AtomicFiles.writeString(out.resolve("report.md"), md.toString());
        AtomicFiles.writeString(out.resolve("report.html"), ReportHtml.render(md.toString()));
    }

    /** The first six generated samples next to the source image their mask came from. */
    private static void writeSwapGrid(Path gen, Path out, Path png) {
        List<int[][]> masks = new ArrayList<>();
        List<BufferedImage> sources = new ArrayList<>();
        List<BufferedImage> images = new ArrayList<>();
        ObjectMapper om = new ObjectMapper();
        try {
            for (String line : Files.readAllLines(gen.resolve("manifest.jsonl")).stream().limit(6).toList()) {
                JsonNode n = om.readTree(line);
                String source = n.get("mask").asText().split(":")[0];
                masks.add(LabelMaps.read(gen.resolve(n.get("label").asText())));
                sources.add(Images.read(out.resolve("world/source/images/" + source + ".png")));
                images.add(Images.read(gen.resolve(n.get("image").asText())));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(gen + ": " + e.getMessage(), e);
        }
        SampleGrid.write(png, masks, sources, images);
    }
}
