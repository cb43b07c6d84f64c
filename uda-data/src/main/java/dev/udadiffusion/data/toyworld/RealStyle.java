package dev.udadiffusion.data.toyworld;

import dev.udadiffusion.data.augment.Augment;
import dev.udadiffusion.data.toyworld.Shape.Part;
import java.util.SplittableRandom;

/**
 * The target ("real") look: the same classes with shifted hues and lower saturation, textures (facade windows, lane
 * marks and kerb lines, paving joints, foliage, grass, clouds, tail lights, tyres), a random lighting gradient and
 * white balance per image, then a slight blur, vignetting and sensor noise.
 */
final class RealStyle implements Style {

    /**
     * The real palette is the game's with 70 % of the saturation and a per-class brightness (pale sky, dark asphalt):
     * the same hue family, so that a segmenter trained on the game transfers partly — calibrated so that source-only
     * reaches roughly half of the oracle's mIoU, as GTA5 → Cityscapes does (see {@code ToyWorld}).
     */
    static final double SATURATION = 0.7;

    /** Brightness per trainId relative to the game colour. */
    private static final double[] BRIGHTNESS = {0.78, 0.85, 0.85, 0.85, 0.85, 0.95, 1.0, 0.9, 0.75, 0.85, 1.12, 0.85, 0.85,
        0.85, 0.85, 0.85, 0.9, 0.9, 0.9};

    static final int[][][] PALETTE = derive();

    private static int[][][] derive() {
        int[][][] g = GameStyle.PALETTE;
        int[][][] out = new int[g.length][][];
        for (int c = 0; c < g.length; c++) {
            out[c] = new int[g[c].length][3];
            for (int k = 0; k < g[c].length; k++) {
                int[] col = g[c][k];
                double grey = 0.299 * col[0] + 0.587 * col[1] + 0.114 * col[2];
                for (int ch = 0; ch < 3; ch++) {
                    double v = (grey + SATURATION * (col[ch] - grey)) * BRIGHTNESS[c];
                    out[c][k][ch] = (int) Math.max(0, Math.min(255, Math.round(v)));
                }
            }
        }
        return out;
    }

    private static final int[] GLASS = {46, 56, 66};
    private static final int[] TYRE = {22, 22, 22};
    private static final int[] SKIN = {188, 150, 122};
    private static final int[] HOOD = {34, 34, 38};
    private static final int[] WINDOW = {64, 74, 90};
    private static final int[] MARK = {205, 205, 198};
    private static final int[] TAIL = {190, 30, 28};

    @Override
    public float[][][] paint(Scene scene, int[][] owner, SplittableRandom r) {
        int h = owner.length;
        int w = owner[0].length;
        long seed = r.nextLong();
        double gain = 0.15 + 0.2 * r.nextDouble();
        double dirx = r.nextGaussian();
        double diry = r.nextGaussian();
        double norm = Math.hypot(dirx, diry) + 1e-9;
        double exposure = 0.88 + 0.24 * r.nextDouble();
        double[] balance = {1 + 0.05 * r.nextGaussian(), 1 + 0.05 * r.nextGaussian(), 1 + 0.05 * r.nextGaussian()};
        float[][][] img = new float[3][h][w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                Shape s = scene.shapes().get(owner[y][x]);
                double sx = (x + 0.5) / h;
                double sy = (y + 0.5) / h;
                double[] c = texture(scene, s, sx, sy, x, y, h, seed);
                double light = exposure * (1 + gain * (dirx * (x / (double) w - 0.5) + diry * (y / (double) h - 0.5)) / norm);
                for (int ch = 0; ch < 3; ch++) {
                    img[ch][y][x] = (float) (c[ch] / 255.0 * light * balance[ch]);
                }
            }
        }
        float[][][] out = blur(img);
        double sigma = 0.02 + 0.015 * r.nextDouble();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double dx = (x + 0.5) / w - 0.5;
                double dy = (y + 0.5) / h - 0.5;
                double vignette = 1 - 0.55 * (dx * dx + dy * dy) * 2;
                for (int ch = 0; ch < 3; ch++) {
                    double v = out[ch][y][x] * vignette + sigma * r.nextGaussian();
                    out[ch][y][x] = (float) (v < 0 ? 0 : v > 1 ? 1 : v);
                }
            }
        }
        return out;
    }

    /** The colour (0–255) of pixel (px, py) at scene point (x, y), before lighting, blur and noise. */
    private static double[] texture(Scene sc, Shape s, double x, double y, int px, int py, int h, long seed) {
        int[] base = color(s);
        double f = 0.86 + 0.28 * s.tone(); // instances differ in brightness
        int[] over = null;
        switch (s.part()) {
            case SKY -> {
                double toHorizon = Style.clamp(y / Math.max(sc.horizon(), 1e-6));
                f = 0.9 + 0.16 * toHorizon;
                double cloud = Noise.fractal(seed, x * 6, y * 14);
                if (cloud > 0.55) {
                    return mix(scale(base, f), new double[] {236, 238, 240}, Math.min(1, (cloud - 0.55) * 4));
                }
            }
            case ROAD -> {
                double d = Math.max(y - sc.horizon(), 1e-4);
                double l = (x - sc.vanishingX()) / d;
                double z = 1 / d;
                boolean centre = Math.abs(l - sc.roadCenter()) < 0.07 && frac(z * 0.3) < 0.5;
                boolean edge = Math.abs(Math.abs(l - sc.roadCenter()) - (sc.roadHalfWidth() - 0.15)) < 0.05;
                if (centre || edge) {
                    over = MARK;
                }
                f *= 0.9 + 0.2 * Noise.value(seed + 7, px * 0.7, py * 0.7);
            }
            case SIDEWALK -> {
                double d = Math.max(y - sc.horizon(), 1e-4);
                if (frac(1.5 / d) < 0.12) {
                    f *= 0.8;
                }
                f *= 0.92 + 0.16 * Noise.value(seed + 9, px * 0.5, py * 0.5);
            }
            case GROUND -> f *= 0.8 + 0.4 * Noise.fractal(seed + 11, px * 0.25, py * 0.5);
            case CROWN, TRUNK -> {
                f *= 0.6 + 0.75 * Noise.fractal(seed + 13, px * 0.6, py * 0.6);
                if (s.part() == Part.TRUNK) {
                    base = new int[] {84, 66, 52};
                }
            }
            case FACADE, SKYLINE -> {
                Tint t = facade(s, x, y, px, py, h, seed, f);
                f = t.f();
                over = t.over();
            }
            case BODY -> {
                Tint t = body(s, x, y, f);
                f = t.f();
                over = t.over();
            }
            case BOX -> over = trafficLight(s, x, y);
            case POLE -> f *= 0.85 + 0.3 * Style.local(s, x, y)[0];
            case HOOD -> f = 0.8 + 0.6 * Style.clamp(1 - Math.abs(x / sc.aspect() - 0.5) * 3) * 0.5;
            default -> {
            }
        }
        double[] c = scale(over != null ? over : base, over != null ? Math.min(f, 1.1) : f);
        return c;
    }

    /** A brightness factor and, where a detail covers the base colour, the detail's colour (else null). */
    private record Tint(double f, int[] over) {
    }

    /** Facades and skylines: windows on buildings, trams and buses; fence slats; wall texture. */
    private static Tint facade(Shape s, double x, double y, int px, int py, int h, long seed, double f) {
        int cls = s.trainId();
        double[] uv = Style.local(s, x, y);
        int[] over = null;
        if (cls == Scene.BUILDING || cls == Scene.TRAIN || cls == Scene.BUS) {
            double wpx = (s.maxX() - s.minX()) * h;
            int cols = Math.max(2, (int) Math.round(wpx / 5));
            int rows = cls == Scene.BUILDING ? Math.max(2, (int) Math.round((s.maxY() - s.minY()) * h / 5)) : 1;
            boolean win = frac(uv[0] * cols) > 0.25 && frac(uv[0] * cols) < 0.75 && frac(uv[1] * rows) > 0.3
                    && frac(uv[1] * rows) < (cls == Scene.BUILDING ? 0.75 : 0.55);
            if (win) {
                over = WINDOW;
            }
        } else if (cls == Scene.FENCE && frac(uv[0] * 12) < 0.35) {
            f *= 0.65;
        } else if (cls == Scene.WALL) {
            f *= 0.9 + 0.15 * Noise.value(seed + 17, px * 0.8, py * 0.8);
        }
        return new Tint(f, over);
    }

    /** Vehicle bodies (tail lights, dark lower part, bus windows) and people (lighter at the top). */
    private static Tint body(Shape s, double x, double y, double f) {
        int cls = s.trainId();
        double[] uv = Style.local(s, x, y);
        int[] over = null;
        if (cls == Scene.CAR || cls == Scene.TRUCK || cls == Scene.BUS) {
            boolean lamp = uv[1] > 0.15 && uv[1] < 0.4 && (uv[0] < 0.16 || uv[0] > 0.84);
            if (lamp) {
                over = TAIL;
            } else if (uv[1] > 0.75) {
                f *= 0.6;
            }
            if (cls == Scene.BUS && uv[1] < 0.45 && uv[1] > 0.1 && uv[0] > 0.1 && uv[0] < 0.9) {
                over = WINDOW;
            }
        } else {
            f *= 1.05 - 0.3 * uv[1];
        }
        return new Tint(f, over);
    }

    /** A traffic light's box: red, amber and green lamps from the top (null between them). */
    private static int[] trafficLight(Shape s, double x, double y) {
        double[] uv = Style.local(s, x, y);
        int lamp = (int) (uv[1] * 3);
        double cx = uv[0] - 0.5;
        double cy = frac(uv[1] * 3) - 0.5;
        if (cx * cx + cy * cy < 0.09) {
            return lamp == 0 ? new int[] {200, 40, 30} : lamp == 1 ? new int[] {70, 60, 20} : new int[] {30, 70, 40};
        }
        return null;
    }

    static int[] color(Shape s) {
        return Style.color(s, PALETTE, GLASS, TYRE, SKIN, HOOD);
    }

    private static double[] scale(int[] c, double f) {
        return new double[] {c[0] * f, c[1] * f, c[2] * f};
    }

    private static double[] mix(double[] a, double[] b, double t) {
        return new double[] {a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t};
    }

    private static double frac(double v) {
        return v - Math.floor(v);
    }

    static final double BLUR_SIGMA = 0.8;

    /** Separable Gaussian blur ({@link #BLUR_SIGMA} px, radius 2), edges clamped. */
    private static float[][][] blur(float[][][] img) {
        double[] k = Augment.gaussianKernel(BLUR_SIGMA, 2);
        int h = img[0].length;
        int w = img[0][0].length;
        float[][][] tmp = new float[3][h][w];
        float[][][] out = new float[3][h][w];
        for (int ch = 0; ch < 3; ch++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v = 0;
                    for (int i = -2; i <= 2; i++) {
                        v += k[i + 2] * img[ch][y][Math.min(w - 1, Math.max(0, x + i))];
                    }
                    tmp[ch][y][x] = (float) v;
                }
            }
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double v = 0;
                    for (int i = -2; i <= 2; i++) {
                        v += k[i + 2] * tmp[ch][Math.min(h - 1, Math.max(0, y + i))][x];
                    }
                    out[ch][y][x] = (float) v;
                }
            }
        }
        return out;
    }
}
