package dev.udadiffusion.segformer;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Label maps → the one-hot targets of the training graph (ignored pixels all-zero) and the valid-pixel count. */
public final class SegformerTargets {

    public record Target(INDArray oneHot, long valid) {
    }

    private SegformerTargets() {
    }

    /** labels [B, H, W] with values 0..classes−1 or {@code ignore}; anything else is an error naming the position. */
    public static Target oneHot(INDArray labels, int classes, int ignore) {
        long b = labels.size(0);
        int h = (int) labels.size(1);
        int w = (int) labels.size(2);
        long[] v = labels.castTo(DataType.LONG).dup('c').data().asLong();
        float[] out = new float[(int) (b * classes * h * w)];
        long valid = 0;
        for (int n = 0; n < b; n++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    long l = v[(n * h + y) * w + x];
                    if (l == ignore) {
                        continue;
                    }
                    if (l < 0 || l >= classes) {
                        throw new IllegalArgumentException("label " + l + " at (batch " + n + ", x=" + x + ", y=" + y
                                + ") outside 0.." + (classes - 1) + " and not the ignore value " + ignore);
                    }
                    out[(int) ((((long) n * classes + l) * h + y) * w + x)] = 1f;
                    valid++;
                }
            }
        }
        if (valid == 0) {
            throw new IllegalArgumentException("every pixel of the batch is ignored; nothing to learn from");
        }
        return new Target(Nd4j.create(out, new long[] {b, classes, h, w}), valid);
    }
}
