package dev.udadiffusion.diffusion.schedulers;

/**
 * Inference timesteps as diffusers computes them, in descending order (N train steps, n inference steps;
 * {@code round} is numpy's round-half-to-even).
 */
final class TimestepSpacing {

    private TimestepSpacing() {
    }

    /** DDIM / DDPM / PNDM / Euler: n steps. Euler's linspace is not rounded (fractional timesteps). */
    static double[] standard(String spacing, int trainSteps, int n, int offset, boolean roundLinspace) {
        double[] t = new double[n];
        switch (spacing) {
            case "leading" -> {
                int ratio = trainSteps / n;
                for (int i = 0; i < n; i++) {
                    t[i] = (double) (n - 1 - i) * ratio + offset;
                }
            }
            case "trailing" -> {
                double ratio = (double) trainSteps / n;
                double[] a = arangeDown(trainSteps, ratio);
                for (int i = 0; i < n; i++) {
                    t[i] = Math.rint(a[i]) - 1;
                }
            }
            case "linspace" -> {
                double step = n == 1 ? 0 : (double) (trainSteps - 1) / (n - 1);
                for (int i = 0; i < n; i++) {
                    int j = n - 1 - i;
                    double v = j == n - 1 && n > 1 ? trainSteps - 1 : j * step; // numpy sets the endpoint exactly
                    t[i] = roundLinspace ? Math.rint(v) : (float) v;
                }
            }
            default -> throw new IllegalArgumentException("timestep_spacing " + spacing);
        }
        return t;
    }

    /** DPM-Solver / UniPC: computed over n + 1 points with the last dropped. */
    static double[] multistep(String spacing, int trainSteps, int n, int offset) {
        double[] t = new double[n];
        switch (spacing) {
            case "leading" -> {
                int ratio = trainSteps / (n + 1);
                for (int i = 0; i < n; i++) {
                    t[i] = (double) (n - i) * ratio + offset;
                }
            }
            case "trailing" -> {
                double ratio = (double) trainSteps / n;
                double[] a = arangeDown(trainSteps, ratio);
                for (int i = 0; i < n; i++) {
                    t[i] = Math.rint(a[i]) - 1;
                }
            }
            case "linspace" -> {
                double step = (double) (trainSteps - 1) / n;
                for (int i = 0; i < n; i++) {
                    int j = n - i;
                    t[i] = Math.rint(j == n ? trainSteps - 1 : j * step);
                }
            }
            default -> throw new IllegalArgumentException("timestep_spacing " + spacing);
        }
        return t;
    }

    /** numpy arange(N, 0, −ratio). */
    private static double[] arangeDown(int start, double ratio) {
        int count = (int) Math.ceil(start / ratio);
        double[] a = new double[count];
        for (int i = 0; i < count; i++) {
            a[i] = start - i * ratio;
        }
        return a;
    }
}
