package dev.udadiffusion.segformer.eval;

import dev.udadiffusion.data.labels.CityscapesClasses;

/**
 * Pixel counts {@code [ground truth][prediction]} over 19 classes, accumulated over a whole evaluation set; ground-truth
 * 255 is ignored. IoU per class is accumulated intersection over accumulated union (as mmseg's {@code total_area_*}),
 * not a mean of per-image IoUs.
 */
public final class ConfusionMatrix {

    private final int classes;
    private final long[][] counts;

    public ConfusionMatrix() {
        this(CityscapesClasses.COUNT);
    }

    public ConfusionMatrix(int classes) {
        this.classes = classes;
        this.counts = new long[classes][classes];
    }

    public int classes() {
        return classes;
    }

    /**
     * Adds one image. {@code what} names it in errors (a ground-truth value outside 0..classes−1 and 255, a
     * prediction outside 0..classes−1, or maps of different sizes).
     */
    public void add(int[][] truth, int[][] prediction, String what) {
        if (truth.length != prediction.length || truth[0].length != prediction[0].length) {
            throw new IllegalArgumentException(what + ": prediction is " + prediction[0].length + "x" + prediction.length
                    + " but the label is " + truth[0].length + "x" + truth.length);
        }
        for (int y = 0; y < truth.length; y++) {
            for (int x = 0; x < truth[y].length; x++) {
                int t = truth[y][x];
                if (t == CityscapesClasses.IGNORE) {
                    continue;
                }
                int p = prediction[y][x];
                if (t < 0 || t >= classes) {
                    throw new IllegalArgumentException(what + ": label value " + t + " at (x=" + x + ", y=" + y
                            + ") is not a class id (0-" + (classes - 1) + ") or 255");
                }
                if (p < 0 || p >= classes) {
                    throw new IllegalArgumentException(what + ": predicted class " + p + " at (x=" + x + ", y=" + y + ")");
                }
                counts[t][p]++;
            }
        }
    }

    /** Adds another matrix (e.g. from a parallel worker). */
    public void add(ConfusionMatrix other) {
        if (other.classes != classes) {
            throw new IllegalArgumentException("confusion matrices of " + classes + " and " + other.classes + " classes");
        }
        for (int i = 0; i < classes; i++) {
            for (int j = 0; j < classes; j++) {
                counts[i][j] += other.counts[i][j];
            }
        }
    }

    public long count(int truth, int prediction) {
        return counts[truth][prediction];
    }

    /** IoU per class: TP / (TP + FP + FN); NaN for a class neither present nor predicted. */
    public double[] iou() {
        double[] r = new double[classes];
        for (int c = 0; c < classes; c++) {
            long tp = counts[c][c];
            long gt = 0;
            long pred = 0;
            for (int k = 0; k < classes; k++) {
                gt += counts[c][k];
                pred += counts[k][c];
            }
            long union = gt + pred - tp;
            r[c] = union == 0 ? Double.NaN : (double) tp / union;
        }
        return r;
    }

    /** Mean over the classes whose IoU is defined (NaN when none is). */
    public double meanIoU() {
        double sum = 0;
        int n = 0;
        for (double v : iou()) {
            if (!Double.isNaN(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** Overall pixel accuracy over non-ignored pixels (NaN when there are none). */
    public double pixelAccuracy() {
        long tp = 0;
        long all = 0;
        for (int i = 0; i < classes; i++) {
            for (int j = 0; j < classes; j++) {
                all += counts[i][j];
                if (i == j) {
                    tp += counts[i][j];
                }
            }
        }
        return all == 0 ? Double.NaN : (double) tp / all;
    }
}
