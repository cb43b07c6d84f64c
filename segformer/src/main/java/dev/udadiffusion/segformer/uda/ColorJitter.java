package dev.udadiffusion.segformer.uda;

import dev.udadiffusion.core.random.Rng;

/**
 * DACS's colour jitter as kornia 0.5.8's {@code ColorJitter(s, s, s, s)} computes it (the version DAFormer pins) on RGB
 * in [0, 1]: brightness adds {@code b − 1} (not a factor, unlike torchvision), contrast multiplies, saturation scales S
 * and hue shifts H (radians, {@code fmod}) in kornia's HSV, each clamped to [0, 1], in a random order of the four.
 */
public final class ColorJitter {

    private static final float TWO_PI = (float) (2 * Math.PI);

    /**
     * One image's draw: factors in [1 − s, 1 + s] (brightness, contrast, saturation), hue in [−s, s] of a turn, and the
     * order (0 brightness, 1 contrast, 2 saturation, 3 hue).
     */
    public record Draw(double brightness, double contrast, double saturation, double hue, int[] order) {
        public Draw {
            if (order.length != 4) {
                throw new IllegalArgumentException("order must list the 4 adjustments, got " + order.length);
            }
        }

        /** kornia's ranges for strength {@code s}: uniform factors and a random permutation. */
        public static Draw sample(double s, Rng rng) {
            double b = uniform(Math.max(0, 1 - s), Math.min(2, 1 + s), rng);
            double c = uniform(Math.max(0, 1 - s), 1 + s, rng);
            double h = uniform(Math.max(-0.5, -s), Math.min(0.5, s), rng);
            double sat = uniform(Math.max(0, 1 - s), 1 + s, rng);
            int[] order = {0, 1, 2, 3};
            for (int i = 3; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            return new Draw(b, c, sat, h, order);
        }

        private static double uniform(double lo, double hi, Rng rng) {
            return lo + (hi - lo) * rng.nextDouble();
        }
    }

    private ColorJitter() {
    }

    /** Jitters planar RGB {@code rgb} [3, H·W] in [0, 1], in place. */
    public static void apply(float[] rgb, int pixels, Draw d) {
        for (int t : d.order()) {
            switch (t) {
                case 0 -> affine(rgb, 1f, (float) (d.brightness() - 1));
                case 1 -> affine(rgb, (float) d.contrast(), 0f);
                case 2 -> hsv(rgb, pixels, (float) d.saturation(), 0f);
                case 3 -> hsv(rgb, pixels, 1f, (float) d.hue() * TWO_PI);
                default -> throw new IllegalArgumentException("no colour adjustment " + t);
            }
        }
    }

    private static void affine(float[] rgb, float scale, float shift) {
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] = clamp(rgb[i] * scale + shift);
        }
    }

    /** kornia's rgb_to_hsv (eps 1e-6, H in [0, 2π)), S·{@code sat} clamped, H + {@code hueShift} (fmod 2π), hsv_to_rgb. */
    private static void hsv(float[] rgb, int n, float sat, float hueShift) {
        for (int i = 0; i < n; i++) {
            float r = rgb[i];
            float g = rgb[n + i];
            float b = rgb[2 * n + i];
            float max = Math.max(r, Math.max(g, b));
            float min = Math.min(r, Math.min(g, b));
            int arg = r == max ? 0 : g == max ? 1 : 2; // the first channel holding the maximum
            float delta = max - min;
            float s = delta / (max + 1e-6f);
            float dd = delta == 0 ? 1f : delta;
            float rc = max - r;
            float gc = max - g;
            float bc = max - b;
            float h = arg == 0 ? bc - gc : arg == 1 ? 2f * dd + rc - bc : 4f * dd + gc - rc;
            h = h / dd;
            h = remainder(h / 6f, 1f);
            h = TWO_PI * h;
            s = clamp(s * sat);
            if (hueShift != 0) {
                h = (h + hueShift) % TWO_PI; // torch.fmod: the sign of the dividend
            }
            // hsv_to_rgb
            float hh = h / TWO_PI;
            float hi = remainder((float) Math.floor(hh * 6f), 6f);
            float f = remainder(hh * 6f, 6f) - hi;
            float v = max;
            float p = v * (1f - s);
            float q = v * (1f - f * s);
            float t = v * (1f - (1f - f) * s);
            switch ((int) hi) {
                case 0 -> set(rgb, n, i, v, t, p);
                case 1 -> set(rgb, n, i, q, v, p);
                case 2 -> set(rgb, n, i, p, v, t);
                case 3 -> set(rgb, n, i, p, q, v);
                case 4 -> set(rgb, n, i, t, p, v);
                default -> set(rgb, n, i, v, p, q);
            }
        }
    }

    private static void set(float[] rgb, int n, int i, float r, float g, float b) {
        rgb[i] = r;
        rgb[n + i] = g;
        rgb[2 * n + i] = b;
    }

    /** torch's {@code %} on tensors: the result takes the divisor's sign. */
    private static float remainder(float a, float m) {
        float r = a % m;
        return r != 0 && (r < 0) != (m < 0) ? r + m : r;
    }

    private static float clamp(float v) {
        return v < 0 ? 0 : v > 1 ? 1 : v;
    }
}
