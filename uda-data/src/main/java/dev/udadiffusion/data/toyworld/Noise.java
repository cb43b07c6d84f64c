package dev.udadiffusion.data.toyworld;

/** Seeded 2-D value noise (hashed lattice, smoothstep interpolation), for textures and clouds. Values in [0, 1). */
final class Noise {

    private Noise() {
    }

    static double hash(long seed, long ix, long iy) {
        long z = seed ^ (ix * 0x9E3779B97F4A7C15L) ^ (iy * 0xC2B2AE3D27D4EB4FL);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 11) * 0x1.0p-53;
    }

    /** Value noise with lattice spacing 1 at (x, y). */
    static double value(long seed, double x, double y) {
        long ix = (long) Math.floor(x);
        long iy = (long) Math.floor(y);
        double fx = smooth(x - ix);
        double fy = smooth(y - iy);
        double a = hash(seed, ix, iy);
        double b = hash(seed, ix + 1, iy);
        double c = hash(seed, ix, iy + 1);
        double d = hash(seed, ix + 1, iy + 1);
        return (a + (b - a) * fx) * (1 - fy) + (c + (d - c) * fx) * fy;
    }

    /** Two octaves: coarse shape plus half-weight detail. */
    static double fractal(long seed, double x, double y) {
        return (value(seed, x, y) * 2 + value(seed + 1, x * 2.03, y * 2.03)) / 3;
    }

    private static double smooth(double t) {
        return t * t * (3 - 2 * t);
    }
}
