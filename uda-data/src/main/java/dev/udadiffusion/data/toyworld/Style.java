package dev.udadiffusion.data.toyworld;

import java.util.SplittableRandom;

/**
 * Paints a scene: an RGB image (values in [0, 1], {@code [3][h][w]}) from the scene and its raster of shape indices
 * ({@code owner[y][x]} = the shape visible at that pixel). The two implementations are the two domains' looks.
 */
interface Style {

    float[][][] paint(Scene scene, int[][] owner, SplittableRandom r);

    /** Local coordinates of the pixel centre within its shape: u across, v down, both in [0, 1]. */
    static double[] local(Shape s, double x, double y) {
        if (s.part() == Shape.Part.FACADE) {
            // a side quad: vertices far-bottom, near-bottom, near-top, far-top; vertical edges at xs[0] and xs[1]
            double x0 = s.xs()[0];
            double x1 = s.xs()[1];
            double t = x1 == x0 ? 0 : clamp((x - x0) / (x1 - x0));
            double bottom = s.ys()[0] + (s.ys()[1] - s.ys()[0]) * t;
            double top = s.ys()[3] + (s.ys()[2] - s.ys()[3]) * t;
            return new double[] {t, bottom == top ? 0 : clamp((y - top) / (bottom - top))};
        }
        double w = s.maxX() - s.minX();
        double h = s.maxY() - s.minY();
        return new double[] {w == 0 ? 0 : clamp((x - s.minX()) / w), h == 0 ? 0 : clamp((y - s.minY()) / h)};
    }

    static double clamp(double v) {
        return v < 0 ? 0 : v > 1 ? 1 : v;
    }

    /**
     * A shape's base colour: the fixed part colours (hood, tyres, car glass, skin) where they apply, else the class
     * palette entry chosen by the instance tone.
     */
    static int[] color(Shape s, int[][][] palette, int[] glass, int[] tyre, int[] skin, int[] hood) {
        if (s.part() == Shape.Part.HOOD) {
            return hood;
        }
        boolean vehicle = s.trainId() >= Scene.CAR && s.trainId() <= Scene.TRAIN;
        if (s.part() == Shape.Part.WHEEL && (vehicle || s.trainId() >= Scene.MOTORCYCLE)) {
            return tyre;
        }
        if (s.part() == Shape.Part.CABIN && s.trainId() == Scene.CAR) {
            return glass;
        }
        if (s.part() == Shape.Part.HEAD) {
            return skin;
        }
        return pick(palette[s.trainId()], s.tone());
    }

    /** One of {@code palette}'s colours by a tone in [0, 1). */
    static int[] pick(int[][] palette, double tone) {
        return palette[Math.min(palette.length - 1, (int) (tone * palette.length))];
    }
}
