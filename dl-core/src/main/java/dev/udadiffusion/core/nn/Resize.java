package dev.udadiffusion.core.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bilinear resizing of NCHW input with torch's {@code F.interpolate(mode="bilinear")} semantics, as two matrix
 * products with fixed interpolation matrices. M2.1's {@code resizeBiLinear} has no working backward pass (graph clone
 * fails) and {@code imageResize} has none at all; this form is exact and differentiable.
 */
public final class Resize {

    private Resize() {
    }

    /** Resizes [N, C, inH, inW] to [N, C, outH, outW]. */
    public static SDVariable bilinear(SameDiff sd, SDVariable x, int inH, int inW, int outH, int outW,
            boolean alignCorners) {
        SDVariable rh = sd.constant(Nd4j.create(matrix(inH, outH, alignCorners)).castTo(x.dataType())); // [outH, inH]
        SDVariable rw = sd.constant(Nd4j.create(matrix(inW, outW, alignCorners)).castTo(x.dataType())); // [outW, inW]
        SDVariable t = sd.mmul(x.reshape(-1, inW), rw, false, true, false); // [N*C*inH, outW]
        t = t.reshape(-1, inH, outW).permute(0, 2, 1); // [N*C, outW, inH]
        t = sd.mmul(t.reshape(-1, inH), rh, false, true, false); // [N*C*outW, outH]
        t = t.reshape(-1, outW, outH).permute(0, 2, 1); // [N*C, outH, outW]
        return t.reshape(Graphs.shapePrefix(sd, x, 2, outH, outW));
    }

    /**
     * The [out, in] interpolation matrix of torch's 1-D linear interpolation (per axis of bilinear). With
     * align_corners=False: source = max((dst + 0.5)·in/out − 0.5, 0); with True: dst·(in−1)/(out−1).
     */
    public static double[][] matrix(int in, int out, boolean alignCorners) {
        double[][] m = new double[out][in];
        double scale = alignCorners ? (out > 1 ? (double) (in - 1) / (out - 1) : 0) : (double) in / out;
        for (int o = 0; o < out; o++) {
            double src = alignCorners ? o * scale : Math.max((o + 0.5) * scale - 0.5, 0);
            int i0 = Math.min((int) Math.floor(src), in - 1);
            int i1 = Math.min(i0 + 1, in - 1);
            double l1 = src - i0;
            m[o][i0] += 1 - l1;
            m[o][i1] += l1;
        }
        return m;
    }
}
