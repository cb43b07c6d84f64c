package dev.udadiffusion.segformer.eval;

import java.util.function.UnaryOperator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * mmseg's {@code slide_inference}: windows of {@code crop} pixels every {@code stride}, the last row and column of
 * windows shifted back to end at the image border, logits of overlapping windows averaged. An image smaller than the
 * window in a dimension is processed at its own size in that dimension.
 */
public final class SlidingWindow {

    private SlidingWindow() {
    }

    /** Start offsets along one dimension of length {@code size}. */
    static int[] starts(int size, int crop, int stride) {
        int n = Math.max(size - crop + stride - 1, 0) / stride + 1;
        int[] s = new int[n];
        for (int i = 0; i < n; i++) {
            int end = Math.min(i * stride + crop, size);
            s[i] = Math.max(end - crop, 0);
        }
        return s;
    }

    /**
     * @param image [1, 3, H, W]
     * @param logits window [1, 3, h, w] → logits [1, C, h, w] at the window's resolution
     * @return averaged logits [1, C, H, W]
     */
    public static INDArray infer(INDArray image, int crop, int stride, UnaryOperator<INDArray> logits) {
        if (crop <= 0 || stride <= 0 || stride > crop) {
            throw new IllegalArgumentException("sliding window " + crop + ":" + stride + ": need 0 < stride <= window");
        }
        int h = (int) image.size(2);
        int w = (int) image.size(3);
        INDArray sum = null;
        INDArray count = Nd4j.zeros(image.dataType(), 1, 1, h, w);
        for (int y0 : starts(h, crop, stride)) {
            for (int x0 : starts(w, crop, stride)) {
                int y1 = Math.min(y0 + crop, h);
                int x1 = Math.min(x0 + crop, w);
                INDArray win = image.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(y0, y1),
                        NDArrayIndex.interval(x0, x1)).dup();
                INDArray out = logits.apply(win);
                if (out.size(2) != y1 - y0 || out.size(3) != x1 - x0) {
                    throw new IllegalStateException("window logits are " + out.size(3) + "x" + out.size(2) + ", expected "
                            + (x1 - x0) + "x" + (y1 - y0));
                }
                if (sum == null) {
                    sum = Nd4j.zeros(out.dataType(), 1, out.size(1), h, w);
                }
                sum.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(y0, y1), NDArrayIndex.interval(x0, x1))
                        .addi(out);
                count.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(y0, y1), NDArrayIndex.interval(x0, x1))
                        .addi(1.0);
            }
        }
        return sum.divi(count.castTo(sum.dataType()).broadcast(sum.shape()));
    }

    /** Class per pixel [H][W] of logits [1, C, H, W]. */
    public static int[][] argmax(INDArray logits) {
        INDArray am = logits.argMax(1); // [1, H, W]
        int h = (int) logits.size(2);
        int w = (int) logits.size(3);
        int[][] r = new int[h][w];
        INDArray flat = am.reshape(h, w);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                r[y][x] = flat.getInt(y, x);
            }
        }
        return r;
    }
}
