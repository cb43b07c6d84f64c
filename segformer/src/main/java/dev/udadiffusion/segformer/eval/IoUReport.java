package dev.udadiffusion.segformer.eval;

import dev.udadiffusion.core.io.AtomicFiles;
import dev.udadiffusion.core.image.BarChart;
import dev.udadiffusion.data.labels.CityscapesClasses;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Per-class IoU and mIoU in the order of the thesis's tables (Road … Bike, mIoU, in percent): a text table, a CSV and a
 * bar chart. Classes that are neither present nor predicted are shown as "n/a" and left out of the mean.
 */
public final class IoUReport {

    /** Column headers as in the thesis's Table 4.3. */
    public static final List<String> SHORT_NAMES = List.of("Road", "S.walk", "Build.", "Wall", "Fence", "Pole",
            "Tr.Light", "Sign", "Veget.", "Terrain", "Sky", "Person", "Rider", "Car", "Truck", "Bus", "Train", "M.bike",
            "Bike");

    private IoUReport() {
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f", 100 * v);
    }

    /** Two lines: headers and values, right-aligned. */
    public static String table(ConfusionMatrix cm) {
        double[] iou = cm.iou();
        StringBuilder head = new StringBuilder();
        StringBuilder vals = new StringBuilder();
        for (int c = 0; c < iou.length; c++) {
            String name = c < SHORT_NAMES.size() ? SHORT_NAMES.get(c) : "class" + c;
            int w = Math.max(name.length(), 5) + 1;
            head.append(String.format(Locale.ROOT, "%" + w + "s", name));
            vals.append(String.format(Locale.ROOT, "%" + w + "s", pct(iou[c])));
        }
        head.append(String.format(Locale.ROOT, "%7s", "mIoU"));
        vals.append(String.format(Locale.ROOT, "%7s", pct(cm.meanIoU())));
        return head + "\n" + vals;
    }

    /** The table as {@code DIR/NAME.csv} ({@link #writeCsv}) and {@code DIR/NAME.png} ({@link #writeChart}). */
    public static void write(ConfusionMatrix cm, Path dir, String name, String title) {
        writeCsv(cm, dir.resolve(name + ".csv"));
        writeChart(cm, dir.resolve(name + ".png"), title);
    }

    /** {@code class,iou} rows (IoU in [0, 1], empty when undefined) and a final {@code mIoU} row; written atomically. */
    public static void writeCsv(ConfusionMatrix cm, Path csv) {
        double[] iou = cm.iou();
        List<String> lines = new ArrayList<>();
        lines.add("class,iou");
        for (int c = 0; c < iou.length; c++) {
            lines.add(CityscapesClasses.name(c) + "," + (Double.isNaN(iou[c]) ? "" : String.format(Locale.ROOT, "%.6f", iou[c])));
        }
        double m = cm.meanIoU();
        lines.add("mIoU," + (Double.isNaN(m) ? "" : String.format(Locale.ROOT, "%.6f", m)));
        AtomicFiles.writeString(csv, String.join("\n", lines) + "\n");
    }

    /** Bar chart of per-class IoU (percent) in the Cityscapes palette; undefined classes get an empty bar. */
    public static void writeChart(ConfusionMatrix cm, Path png, String title) {
        double[] iou = cm.iou();
        double[] pct = new double[iou.length];
        for (int c = 0; c < iou.length; c++) {
            pct[c] = Double.isNaN(iou[c]) ? 0 : 100 * iou[c];
        }
        BarChart.write(png, title + String.format(Locale.ROOT, " (mIoU %s)", pct(cm.meanIoU())),
                SHORT_NAMES.subList(0, iou.length), pct, CityscapesClasses.COLORS, false);
    }
}
