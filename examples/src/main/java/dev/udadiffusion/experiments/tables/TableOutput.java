package dev.udadiffusion.experiments.tables;

import dev.udadiffusion.core.image.BarChart;
import dev.udadiffusion.core.io.AtomicFiles;
import dev.udadiffusion.experiments.demo.DemoReport;
import dev.udadiffusion.experiments.demo.ReportHtml;
import dev.udadiffusion.segformer.eval.IoUReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What every table program leaves: {@code tableID.md}, the same page as self-contained {@code tableID.html}, and
 * {@code tableID.png}, a bar chart of the thesis's rows (grey shades) beside ours (colours) — per class and mIoU where
 * the thesis gives per-class numbers, mIoU alone otherwise.
 */
final class TableOutput {

    private static final int[][] THESIS = {{110, 110, 110}, {160, 160, 160}, {200, 200, 200}};
    private static final int[][] OURS = {{90, 140, 200}, {220, 120, 40}, {60, 160, 90}, {170, 80, 170}, {200, 60, 60}};

    private TableOutput() {
    }

    /** Every table's {@code main}: {@code udadiff table ID ARGS} through the command line's entry point. */
    static void main(String id, String[] args) {
        String[] all = new String[args.length + 2];
        all[0] = "table";
        all[1] = id;
        System.arraycopy(args, 0, all, 2, args.length);
        dev.udadiffusion.cli.Udadiff.main(all);
    }

    /** Writes the three files next to {@code md}; {@code markdown} gets the chart appended. */
    static void write(Path md, String markdown, ThesisNumbers.Table t, DemoReport ours) {
        String stem = md.getFileName().toString().replaceFirst("\\.md$", "");
        Path png = md.resolveSibling(stem + ".png");
        chart(png, t, ours);
        String full = markdown + "\n![thesis (grey) and ours (colour)](" + png.getFileName() + ")\n";
        AtomicFiles.writeString(md, full);
        AtomicFiles.writeString(md.resolveSibling(stem + ".html"), ReportHtml.render(full));
    }

    private static void chart(Path png, ThesisNumbers.Table t, DemoReport ours) {
        boolean perClass = t.columns().size() == IoUReport.SHORT_NAMES.size() + 1;
        List<String> names = new ArrayList<>();
        List<double[]> values = new ArrayList<>();
        List<int[]> colours = new ArrayList<>();
        int k = 0;
        for (Map.Entry<String, double[]> r : t.rows().entrySet()) {
            names.add("thesis: " + r.getKey());
            values.add(r.getValue());
            colours.add(THESIS[k++ % THESIS.length]);
        }
        k = 0;
        for (String row : ours.rows()) {
            double[] v = new double[t.columns().size()];
            double[] per = ours.meanIoU(row);
            for (int c = 0; c < v.length - 1 && perClass; c++) {
                v[c] = Double.isNaN(per[c]) ? 0 : 100 * per[c];
            }
            v[v.length - 1] = 100 * ours.miou(row)[0];
            names.add("ours: " + row);
            values.add(v);
            colours.add(OURS[k++ % OURS.length]);
        }
        List<String> labels = new ArrayList<>();
        List<Double> bars = new ArrayList<>();
        List<int[]> barColours = new ArrayList<>();
        for (int c = 0; c < t.columns().size(); c++) {
            for (int r = 0; r < names.size(); r++) {
                labels.add(r == 0 ? t.columns().get(c) : "");
                bars.add(values.get(r)[c]);
                barColours.add(colours.get(r));
            }
        }
        BarChart.write(png, (perClass ? "IoU per class and mIoU (%)" : "mIoU (%)") + "; bars in order: "
                + String.join(" | ", names), labels, bars.stream().mapToDouble(Double::doubleValue).toArray(),
                barColours.toArray(new int[0][]), false, names.size() > 2 ? 12 : 30);
    }
}
