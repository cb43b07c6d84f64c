package dev.udadiffusion.core.image;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

/** A vertical bar chart PNG (class frequencies, per-class IoU …) with optional per-bar colours. */
public final class BarChart {

    private BarChart() {
    }

    /**
     * @param colors RGB per bar, or null for one colour
     * @param logScale plot log10 of the values (frequencies span orders of magnitude)
     */
    public static void write(Path png, String title, List<String> labels, double[] values, int[][] colors, boolean logScale) {
        write(png, title, labels, values, colors, logScale, 36);
    }

    /** As above with bars {@code barW} pixels apart (narrow bars for grouped charts of many rows). */
    public static void write(Path png, String title, List<String> labels, double[] values, int[][] colors, boolean logScale,
            int barW) {
        int n = values.length;
        int inset = barW >= 20 ? 4 : 1;
        int l = 70;
        int t = 40;
        int b = 120;
        int w = Math.max(l + n * barW + 30, l + 7 * title.length()); // room for the title
        int h = 460;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = Canvas.begin(img, title, l);
        double[] v = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            v[i] = logScale ? Math.log10(Math.max(values[i], 1e-9)) : values[i];
            max = Math.max(max, v[i]);
            min = Math.min(min, v[i]);
        }
        double base = logScale ? Math.floor(min) : Math.min(0, min);
        double top = max <= base ? base + 1 : max;
        int ph = h - t - b;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        g.drawString(logScale ? String.format("1e%.0f", top) : String.format("%.3g", top), 5, t + 5);
        g.drawString(logScale ? String.format("1e%.0f", base) : String.format("%.3g", base), 5, t + ph);
        for (int i = 0; i < n; i++) {
            int bh = (int) Math.round((v[i] - base) / (top - base) * ph);
            int x = l + i * barW;
            g.setColor(colors == null ? new Color(70, 130, 180) : new Color(colors[i][0], colors[i][1], colors[i][2]));
            g.fillRect(x + inset, t + ph - bh, barW - 2 * inset, bh);
            g.setColor(Color.BLACK);
            g.drawRect(x + inset, t + ph - bh, barW - 2 * inset, bh);
            if (barW >= 30) { // the value above its bar, where there is room for it
                String text = String.format(java.util.Locale.ROOT, Math.abs(values[i]) >= 100 || values[i] == 0 ? "%.0f"
                        : Math.abs(values[i]) >= 1 ? "%.1f" : "%.3g", values[i]);
                g.drawString(text, x + barW / 2 - 3 * text.length(), t + ph - bh - 3);
            }
            AffineTransform old = g.getTransform();
            g.rotate(Math.toRadians(60), x + 8, t + ph + 12);
            g.drawString(labels.get(i), x + 8, t + ph + 12);
            g.setTransform(old);
        }
        g.dispose();
        Images.write(img, png);
    }
}
