package dev.udadiffusion.data.toyworld;

/**
 * One painted region of a toy scene: a convex polygon or an ellipse in scene units (y from 0 at the top to 1 at the
 * bottom, x from 0 to the aspect ratio), the class it is labelled with (trainId, or 255 for the ego-vehicle hood), the
 * object instance it belongs to (several shapes make one car), and what the styles need to paint it: a part name and
 * a per-instance tone in [0, 1).
 */
public record Shape(int trainId, int instance, Part part, double tone, double[] xs, double[] ys, boolean ellipse) {

    /** What a shape depicts within its object; styles texture by part (windows on facades, lane marks on roads…). */
    public enum Part {
        SKY, GROUND, ROAD, SIDEWALK, FACADE, SKYLINE, BODY, CABIN, WHEEL, HEAD, CROWN, TRUNK, POLE, BOX, PANEL, HOOD
    }

    /** An axis-aligned rectangle [x0, x1] × [y0, y1]. */
    static Shape rect(int trainId, int instance, Part part, double tone, double x0, double y0, double x1, double y1) {
        return new Shape(trainId, instance, part, tone, new double[] {x0, x1, x1, x0}, new double[] {y0, y0, y1, y1}, false);
    }

    /** An ellipse with centre (cx, cy) and radii rx, ry (stored as its bounding box). */
    static Shape ellipse(int trainId, int instance, Part part, double tone, double cx, double cy, double rx, double ry) {
        return new Shape(trainId, instance, part, tone, new double[] {cx - rx, cx + rx}, new double[] {cy - ry, cy + ry}, true);
    }

    /** A convex polygon, vertices in order (either orientation). */
    static Shape polygon(int trainId, int instance, Part part, double tone, double[] xs, double[] ys) {
        return new Shape(trainId, instance, part, tone, xs, ys, false);
    }

    public double minX() {
        return min(xs);
    }

    public double maxX() {
        return max(xs);
    }

    public double minY() {
        return min(ys);
    }

    public double maxY() {
        return max(ys);
    }

    /** Whether the point lies inside (boundary included). */
    public boolean contains(double x, double y) {
        if (ellipse) {
            double rx = (xs[1] - xs[0]) / 2;
            double ry = (ys[1] - ys[0]) / 2;
            double dx = (x - (xs[0] + rx)) / rx;
            double dy = (y - (ys[0] + ry)) / ry;
            return dx * dx + dy * dy <= 1;
        }
        // convex: the point is on the same side of every edge
        int sign = 0;
        int n = xs.length;
        for (int i = 0; i < n; i++) {
            int j = (i + 1) % n;
            double cross = (xs[j] - xs[i]) * (y - ys[i]) - (ys[j] - ys[i]) * (x - xs[i]);
            int s = cross > 0 ? 1 : cross < 0 ? -1 : 0;
            if (s != 0) {
                if (sign != 0 && s != sign) {
                    return false;
                }
                sign = s;
            }
        }
        return true;
    }

    private static double min(double[] v) {
        double m = Double.POSITIVE_INFINITY;
        for (double d : v) {
            m = Math.min(m, d);
        }
        return m;
    }

    private static double max(double[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (double d : v) {
            m = Math.max(m, d);
        }
        return m;
    }
}
