package dev.udadiffusion.data.encode;

import dev.udadiffusion.data.labels.CityscapesClasses;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * trainId maps → one-hot tensors with 20 channels: 19 Cityscapes classes, and channel 19 for ignore (255) — the
 * thesis's ControlNet conditioning. Values other than 0–19 and 255 are an error naming the position.
 */
public final class OneHot {

    public static final int CHANNELS = CityscapesClasses.COUNT + 1;

    private OneHot() {
    }

    /** [1, 20, H, W] float. */
    public static INDArray of(int[][] trainIds) {
        int h = trainIds.length;
        int w = trainIds[0].length;
        float[] v = new float[CHANNELS * h * w];
        for (int y = 0; y < h; y++) {
            if (trainIds[y].length != w) {
                throw new IllegalArgumentException("label map rows differ in length");
            }
            for (int x = 0; x < w; x++) {
                int t = trainIds[y][x];
                int c = t == CityscapesClasses.IGNORE ? CHANNELS - 1 : t;
                if (c < 0 || c >= CHANNELS) {
                    throw new IllegalArgumentException("label " + t + " at (x=" + x + ", y=" + y
                            + ") is not a Cityscapes trainId (0-18) or ignore (255)");
                }
                v[(c * h + y) * w + x] = 1f;
            }
        }
        return Nd4j.create(v, new long[] {1, CHANNELS, h, w});
    }
}
