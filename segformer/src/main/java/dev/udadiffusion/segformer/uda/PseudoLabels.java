package dev.udadiffusion.segformer.uda;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DACS pseudo-labels from the teacher's class probabilities [B, C, H, W]: the arg-max class per pixel and one
 * confidence weight q for the whole batch, the share of pixels whose top probability reaches the threshold (DAFormer:
 * 0.968). Every pseudo-labelled pixel weighs q, except the top and bottom rows given, which weigh 0 (DAFormer: 15 and
 * 120 rows of a 512 crop, Cityscapes' rectification border and ego vehicle).
 *
 * @param labels [B][H][W] arg-max classes (the first one on ties)
 * @param q      the batch's confidence weight
 * @param weight [B][H][W] per-pixel weights
 */
public record PseudoLabels(int[][][] labels, double q, float[][][] weight) {

    public static PseudoLabels of(INDArray probabilities, double threshold, int ignoreTop, int ignoreBottom) {
        int b = (int) probabilities.size(0);
        int c = (int) probabilities.size(1);
        int h = (int) probabilities.size(2);
        int w = (int) probabilities.size(3);
        float[] p = probabilities.dup('c').data().asFloat();
        int[][][] labels = new int[b][h][w];
        long confident = 0;
        for (int n = 0; n < b; n++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int best = 0;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int k = 0; k < c; k++) {
                        float v = p[((n * c + k) * h + y) * w + x];
                        if (v > max) {
                            max = v;
                            best = k;
                        }
                    }
                    labels[n][y][x] = best;
                    if (max >= threshold) {
                        confident++;
                    }
                }
            }
        }
        double q = (double) confident / ((long) b * h * w);
        float[][][] weight = new float[b][h][w];
        for (int n = 0; n < b; n++) {
            for (int y = 0; y < h; y++) {
                boolean masked = y < ignoreTop || y >= h - ignoreBottom;
                Arrays.fill(weight[n][y], masked ? 0f : (float) q);
            }
        }
        return new PseudoLabels(labels, q, weight);
    }

    /** DAFormer's ignored rows for a 512-pixel crop, scaled to {@code cropHeight} (15 → top, 120 → bottom). */
    public static int[] ignoredRows(int cropHeight, int top512, int bottom512) {
        return new int[] {(int) Math.round(top512 * cropHeight / 512.0), (int) Math.round(bottom512 * cropHeight / 512.0)};
    }
}
