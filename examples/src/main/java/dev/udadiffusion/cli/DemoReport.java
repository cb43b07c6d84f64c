package dev.udadiffusion.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.udadiffusion.controlnet.generate.LabeledDatasetGenerator;
import dev.udadiffusion.core.image.BarChart;
import dev.udadiffusion.core.io.AtomicFiles;
import dev.udadiffusion.data.labels.CityscapesClasses;
import dev.udadiffusion.segformer.eval.ConfusionMatrix;
import dev.udadiffusion.segformer.eval.IoUReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
final class DemoReport {

    private final Path out;
    private final Path zoo;
    private final JsonNode zooJson;
    private final Map<String, List<ConfusionMatrix>> results;
    private final List<LabeledDatasetGenerator.Report> generation;
    private final Path generated;
    private final String args;
    private final int count;
    private final long steps;
    private final int seeds;
    private final double minutes;

    DemoReport(Path out, Path zoo, JsonNode zooJson, Map<String, List<ConfusionMatrix>> results,
            List<LabeledDatasetGenerator.Report> generation, Path generated, String args, int count, long steps, int seeds,
            double minutes) {
        this.out = out;
        this.zoo = zoo;
        this.zooJson = zooJson;
        this.results = results;
        this.generation = generation;
        this.generated = generated;
        this.args = args;
        this.count = count;
        this.steps = steps;
        this.seeds = seeds;
        this.minutes = minutes;
    }

    /** Per-class IoU of a row, averaged over seeds (NaN where a class never occurs). */
    double[] meanIoU(String row) {
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
    double[] miou(String row) {
        SummaryStatistics s = new SummaryStatistics();
        results.get(row).forEach(cm -> s.addValue(cm.meanIoU()));
        return new double[] {s.getMean(), s.getN() > 1 ? s.getStandardDeviation() : 0};
    }

    /** The plain-text table the command prints. */
    String table() {
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
    double[] versusFirst(String row) {
        double[] base = results.get(firstRow()).stream().mapToDouble(ConfusionMatrix::meanIoU).toArray();
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
    String perSeed() {
        List<String> rows = new ArrayList<>(results.keySet());
        StringBuilder b = new StringBuilder();
        for (String row : rows) {
            b.append(String.format(Locale.ROOT, "%-30s", row));
            results.get(row).forEach(cm -> b.append(String.format(Locale.ROOT, "%7.1f", 100 * cm.meanIoU())));
            if (!row.equals(rows.get(0))) {
                b.append("  vs ").append(rows.get(0)).append(": ").append(versusText(row));
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** "+1.2 ± 2.1, ahead on 4 of 5 seeds, paired t-test p = 0.26" for {@link #versusFirst}. */
    private String versusText(String row) {
        double[] v = versusFirst(row);
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

    void write() {
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
        long[] times = generation.get(0).timesSampled();
        double[] t = new double[times.length];
        for (int c = 0; c < t.length; c++) {
            t[c] = times[c];
        }
        BarChart.write(out.resolve("report_rcs.png"), "Rare Class Sampling: masks drawn per class (seed 0)",
                IoUReport.SHORT_NAMES, t, null, false);

        StringBuilder md = new StringBuilder("# uda-diffusion demo: the thesis's loop on the toy world\n\n");
        md.append(String.format(Locale.ROOT, "SegFormer (toy preset) trained %d steps on each set, evaluated on the toy world's "
                + "target val split; %d generated samples; %d seed(s); %.1f minutes for this run.%n%n", steps, count, seeds, minutes));
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
                    + "compared with the first seed by seed (mean ± sample std of the differences).\n\n| trained on |");
            for (int s = 0; s < seeds; s++) {
                md.append(" seed ").append(s).append(" |");
            }
            md.append(" against ").append(rows.get(0)).append(" |\n|---|").append("---|".repeat(seeds)).append("---|\n");
            for (String row : rows) {
                md.append("| ").append(row).append(" |");
                results.get(row).forEach(cm -> md.append(String.format(Locale.ROOT, " %.1f |", 100 * cm.meanIoU())));
                md.append(' ').append(row.equals(rows.get(0)) ? "" : versusText(row))
                        .append(" |\n");
            }
            md.append('\n');
        }
        writeSwapGrid(generated, out.resolve("report_samples.png"));
        md.append("## Generated samples\n\nSource mask | source (game) image | generated image (target U-Net + ControlNet) "
                + "| overlay of mask and generated image.\n\n![samples](report_samples.png)\n\n");
        md.append("## Rare Class Sampling\n\n![RCS](report_rcs.png)\n\n");
        md.append("## What ran\n\n");
        md.append("- demo: `udadiff demo ").append(args).append("`\n");
        md.append("- zoo: `").append(zoo).append("` made by `").append(zooJson.path("command").asText()).append("` (seed ")
                .append(zooJson.path("seed").asText()).append(", commit ").append(zooJson.path("commit").asText()).append(")\n");
        zooJson.path("sha256").fields().forEachRemaining(e -> md.append("  - `").append(e.getKey()).append("` sha256 `")
                .append(e.getValue().asText()).append("`\n"));
        md.append("- loss curves of the zoo: `").append(zoo.resolve("logs")).append("`\n");
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
        AtomicFiles.writeString(out.resolve("report.html"), html(md.toString()));
    }

    /** The first six generated samples next to the source image their mask came from. */
    private void writeSwapGrid(Path gen, Path png) {
        List<int[][]> masks = new ArrayList<>();
        List<java.awt.image.BufferedImage> sources = new ArrayList<>();
        List<java.awt.image.BufferedImage> images = new ArrayList<>();
        com.fasterxml.jackson.databind.ObjectMapper om = new com.fasterxml.jackson.databind.ObjectMapper();
        try {
            for (String line : Files.readAllLines(gen.resolve("manifest.jsonl")).stream().limit(6).toList()) {
                JsonNode n = om.readTree(line);
                String source = n.get("mask").asText().split(":")[0];
                masks.add(dev.udadiffusion.data.io.LabelMaps.read(gen.resolve(n.get("label").asText())));
                sources.add(dev.udadiffusion.core.image.Images.read(out.resolve("world/source/images/" + source + ".png")));
                images.add(dev.udadiffusion.core.image.Images.read(gen.resolve(n.get("image").asText())));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(gen + ": " + e.getMessage(), e);
        }
        dev.udadiffusion.controlnet.generate.SampleGrid.write(png, masks, sources, images);
    }

    /**
     * After load, every image that did not load gets a visible "missing image" note (a report copied without its
     * PNGs says so), and {@code <body data-images="N loaded, M missing">} records the count (the browser test reads it).
     */
    static final String IMAGE_CHECK = "<script>window.addEventListener('load',()=>{const all=[...document.images];"
            + "const bad=all.filter(i=>!i.complete||i.naturalWidth===0);bad.forEach(i=>{const p=document.createElement('p');"
            + "p.className='missing';p.style.color='#b00';p.textContent='missing image: '+i.getAttribute('src');i.after(p);});"
            + "document.body.dataset.images=(all.length-bad.length)+' loaded, '+bad.length+' missing';});</script>\n";

    /** A minimal Markdown-to-HTML rendering of the report (headings, tables, images, lists, code, paragraphs). */
    static String html(String md) {
        StringBuilder h = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>uda-diffusion demo report</title><style>body{font-family:sans-serif;max-width:1400px;margin:2em auto;"
                + "padding:0 1em}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;"
                + "text-align:right}td:first-child,th:first-child{text-align:left}img{max-width:100%;border:1px solid #eee}"
                + "code{background:#f4f4f4}</style></head><body>\n");
        boolean inTable = false;
        boolean inList = false;
        StringBuilder para = new StringBuilder();
        for (String line : md.split("\n")) {
            if (line.startsWith("|")) {
                if (line.startsWith("|---")) {
                    continue;
                }
                if (!inTable) {
                    h.append("<table>\n");
                    inTable = true;
                }
                String[] cells = line.substring(1, line.length() - 1).split("\\|");
                h.append("<tr>");
                for (String c : cells) {
                    h.append("<td>").append(inline(c.strip())).append("</td>");
                }
                h.append("</tr>\n");
                continue;
            } else if (inTable) {
                h.append("</table>\n");
                inTable = false;
            }
            if (line.strip().startsWith("- ")) {
                if (!inList) {
                    h.append("<ul>\n");
                    inList = true;
                }
                h.append("<li>").append(inline(line.strip().substring(2))).append("</li>\n");
                continue;
            } else if (inList) {
                h.append("</ul>\n");
                inList = false;
            }
            if (line.startsWith("#")) {
                int level = (int) line.chars().takeWhile(ch -> ch == '#').count();
                h.append("<h").append(level).append('>').append(inline(line.substring(level).strip())).append("</h")
                        .append(level).append(">\n");
            } else if (line.isBlank()) {
                if (para.length() > 0) {
                    h.append("<p>").append(inline(para.toString().strip())).append("</p>\n");
                    para.setLength(0);
                }
            } else {
                para.append(line).append(' ');
            }
        }
        if (para.length() > 0) {
            h.append("<p>").append(inline(para.toString().strip())).append("</p>\n");
        }
        return h.append(IMAGE_CHECK).append("</body></html>\n").toString();
    }

    private static String inline(String s) {
        String e = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        e = e.replaceAll("!\\[([^\\]]*)\\]\\(([^)]*)\\)", "<img alt=\"$1\" src=\"$2\">");
        e = e.replaceAll("\\*\\*([^*]+)\\*\\*", "<b>$1</b>");
        return e.replaceAll("`([^`]*)`", "<code>$1</code>");
    }
}
