package dev.udadiffusion.core.image;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

/**
 * A line chart PNG over categorical x positions (evenly spaced, labelled), one line per series with error bars
 * (mean ± std), a legend, axis titles and horizontal grid lines — e.g. mIoU against the share of labels.
 */
public final class LineChart {

    private static final int[][] COLOURS = {{40, 100, 190}, {220, 110, 30}, {50, 150, 80}, {170, 60, 170}, {200, 50, 50}};

    /**
     * One line: its name and, per x position, the mean and the std (NaN mean: no point there).
     */
    public record Series(String name, double[] mean, double[] std) {
    }

    private LineChart() {
    }

    public static void write(Path png, String title, String xTitle, String yTitle, List<String> xLabels, List<Series> series) {
        int w = Math.max(760, 100 + 7 * title.length());
        int h = 480;
        int l = 80;
        int r = 30;
        int t = 50;
        int b = 80;
        int pw = w - l - r;
        int ph = h - t - b;
        double top = 0;
        for (Series s : series) {
            if (s.mean().length != xLabels.size() || s.std().length != xLabels.size()) {
                throw new IllegalArgumentException(s.name() + ": " + xLabels.size() + " points expected");
            }
            for (int i = 0; i < s.mean().length; i++) {
                if (!Double.isNaN(s.mean()[i])) {
                    top = Math.max(top, s.mean()[i] + (Double.isNaN(s.std()[i]) ? 0 : s.std()[i]));
                }
            }
        }
        double step = top > 50 ? 10 : top > 20 ? 5 : top > 5 ? 1 : Math.max(top / 5, 1e-9);
        top = Math.max(step, Math.ceil(top / step) * step);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = Canvas.begin(img, title, l);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        for (double y = 0; y <= top + 1e-9; y += step) {
            int py = t + ph - (int) Math.round(y / top * ph);
            g.setColor(new Color(225, 225, 225));
            g.drawLine(l, py, l + pw, py);
            g.setColor(Color.BLACK);
            g.drawString(String.format("%.0f", y), l - 35, py + 5);
        }
        g.drawRect(l, t, pw, ph);
        int n = xLabels.size();
        int[] xs = new int[n];
        for (int i = 0; i < n; i++) {
            xs[i] = l + (int) Math.round((i + 0.5) * pw / n);
            g.drawString(xLabels.get(i), xs[i] - 4 * xLabels.get(i).length(), t + ph + 20);
        }
        g.drawString(xTitle, l + pw / 2 - 4 * xTitle.length(), t + ph + 45);
        java.awt.geom.AffineTransform old = g.getTransform();
        g.rotate(-Math.PI / 2, 20, t + ph / 2 + 4 * yTitle.length());
        g.drawString(yTitle, 20, t + ph / 2 + 4 * yTitle.length());
        g.setTransform(old);
        for (int k = 0; k < series.size(); k++) {
            Series s = series.get(k);
            int[] c = COLOURS[k % COLOURS.length];
            g.setColor(new Color(c[0], c[1], c[2]));
            g.setStroke(new BasicStroke(2.2f));
            int px = -1;
            int py = -1;
            for (int i = 0; i < n; i++) {
                if (Double.isNaN(s.mean()[i])) {
                    px = -1;
                    continue;
                }
                int y = t + ph - (int) Math.round(s.mean()[i] / top * ph);
                if (px >= 0) {
                    g.drawLine(px, py, xs[i], y);
                }
                double sd = Double.isNaN(s.std()[i]) ? 0 : s.std()[i];
                int lo = t + ph - (int) Math.round((s.mean()[i] - sd) / top * ph);
                int hi = t + ph - (int) Math.round((s.mean()[i] + sd) / top * ph);
                g.drawLine(xs[i], lo, xs[i], hi);
                g.drawLine(xs[i] - 5, lo, xs[i] + 5, lo);
                g.drawLine(xs[i] - 5, hi, xs[i] + 5, hi);
                g.fillOval(xs[i] - 4, y - 4, 9, 9);
                px = xs[i];
                py = y;
            }
            // legend, bottom right inside the plot
            int ly = t + ph - 15 - 20 * (series.size() - 1 - k);
            g.fillRect(l + pw - 260, ly - 9, 24, 4);
            g.setColor(Color.BLACK);
            g.drawString(s.name(), l + pw - 228, ly - 2);
        }
        g.dispose();
        Images.write(img, png);
    }
}
