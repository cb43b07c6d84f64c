package dev.udadiffusion.core.image;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A training-loss chart (raw values and a moving average) as PNG, from a {@code step,loss,...} CSV. */
public final class LossPlot {

    private LossPlot() {
    }

    public static void fromCsv(Path csv, Path png, String title) {
        List<double[]> pts = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(csv)) {
                if (line.isBlank() || !Character.isDigit(line.charAt(0))) {
                    continue;
                }
                String[] f = line.split(",");
                pts.add(new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1])});
            }
        } catch (IOException e) {
            throw new UncheckedIOException(csv + ": " + e.getMessage(), e);
        }
        write(pts, png, title);
    }

    public static void write(List<double[]> pts, Path png, String title) {
        int w = 800;
        int h = 450;
        int l = 70;
        int r = 20;
        int t = 40;
        int b = 50;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = Canvas.begin(img, title, l);
        g.drawRect(l, t, w - l - r, h - t - b);
        if (!pts.isEmpty()) {
            double x0 = pts.get(0)[0];
            double x1 = Math.max(x0 + 1, pts.get(pts.size() - 1)[0]);
            double y0 = Double.POSITIVE_INFINITY;
            double y1 = Double.NEGATIVE_INFINITY;
            for (double[] p : pts) {
                y0 = Math.min(y0, p[1]);
                y1 = Math.max(y1, p[1]);
            }
            if (y1 - y0 < 1e-12) {
                y1 = y0 + 1;
            }
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            g.drawString(String.format("%.4g", y1), 5, t + 5);
            g.drawString(String.format("%.4g", y0), 5, h - b);
            g.drawString(String.format("step %.0f", x0), l, h - b + 18);
            g.drawString(String.format("step %.0f", x1), w - r - 70, h - b + 18);
            g.setColor(new Color(150, 180, 230));
            plot(g, pts, x0, x1, y0, y1, l, t, w - l - r, h - t - b);
            int win = Math.max(1, pts.size() / 20);
            List<double[]> avg = new ArrayList<>();
            double sum = 0;
            for (int i = 0; i < pts.size(); i++) {
                sum += pts.get(i)[1];
                if (i >= win) {
                    sum -= pts.get(i - win)[1];
                }
                avg.add(new double[] {pts.get(i)[0], sum / Math.min(i + 1, win)});
            }
            g.setColor(new Color(200, 40, 40));
            g.setStroke(new BasicStroke(2f));
            plot(g, avg, x0, x1, y0, y1, l, t, w - l - r, h - t - b);
            g.drawString("moving average (" + win + " steps)", w - r - 200, t + 15);
        }
        g.dispose();
        Images.write(img, png);
    }

    private static void plot(Graphics2D g, List<double[]> pts, double x0, double x1, double y0, double y1, int l, int t,
            int pw, int ph) {
        int px = -1;
        int py = -1;
        for (double[] p : pts) {
            int x = l + (int) ((p[0] - x0) / (x1 - x0) * pw);
            int y = t + ph - (int) ((p[1] - y0) / (y1 - y0) * ph);
            if (px >= 0) {
                g.drawLine(px, py, x, y);
            }
            px = x;
            py = y;
        }
    }
}
