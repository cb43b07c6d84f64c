package dev.udadiffusion.segformer.uda;

import java.util.Arrays;

/**
 * DAFormer's {@code downscale_label_ratio}: a label map shrunk by an integer factor, each output pixel taking the
 * class that covers most of its block (ignore counted as one more class), or ignore when that class covers less than
 * {@code minRatio} of the block (DAFormer's feature distance: factor to the last feature map, ratio 0.75).
 */
public final class LabelDownscale {

    private LabelDownscale() {
    }

    public static int[][] ratio(int[][] label, int factor, double minRatio, int classes, int ignore) {
        if (factor < 2) {
            throw new IllegalArgumentException("scale factor must be above 1, got " + factor);
        }
        int h = label.length / factor;
        int w = label[0].length / factor;
        int[][] out = new int[h][w];
        int[] count = new int[classes + 1];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                Arrays.fill(count, 0);
                for (int dy = 0; dy < factor; dy++) {
                    for (int dx = 0; dx < factor; dx++) {
                        int v = label[y * factor + dy][x * factor + dx];
                        count[v == ignore ? classes : v]++;
                    }
                }
                int best = 0;
                for (int k = 1; k <= classes; k++) {
                    if (count[k] > count[best]) {
                        best = k; // the first of equal maxima, as torch.max
                    }
                }
                boolean rare = count[best] < minRatio * factor * factor;
                out[y][x] = best == classes || rare ? ignore : best;
            }
        }
        return out;
    }
}
