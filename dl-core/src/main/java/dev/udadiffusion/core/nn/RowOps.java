package dev.udadiffusion.core.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Row statistics and broadcasts of a [M, K] matrix written as matrix products, for the normalisation layers.
 * SameDiff M2.1's {@code multiply_bp} with a broadcast operand costs 10–40 ms per call on a 2 MB tensor (measured:
 * 37 % of a toy U-Net training step went to GroupNorm's and LayerNorm's broadcast products); a product with a ones
 * column (row mean) or a ones row (repeat a column) has a GEMM forward and backward, and the remaining full-size
 * products are between equal shapes. The ones constants are shared by every layer of a graph.
 */
final class RowOps {

    private RowOps() {
    }

    /** [M, K] → [M, 1]: the mean of each row. */
    static SDVariable rowMean(SameDiff sd, SDVariable x, long k) {
        return x.mmul(constant(sd, x, k, 1, 1.0 / k));
    }

    /** [M, 1] → [M, K]: the column repeated K times. */
    static SDVariable repeat(SameDiff sd, SDVariable col, long k) {
        return col.mmul(constant(sd, col, 1, k, 1.0));
    }

    /** (x − mean) of each row of [M, K] and 1 / sqrt(var + eps) per row ([M, 1]), biased variance as torch. */
    static SDVariable[] centeredAndRstd(SameDiff sd, SDVariable x, long k, double eps) {
        SDVariable centered = x.sub(repeat(sd, rowMean(sd, x, k), k));
        // centered·centered, not square(): square's backward is a pow derivative, ≈ 4× the cost of a product's
        SDVariable rstd = sd.math().rsqrt(rowMean(sd, centered.mul(centered), k).add(eps));
        return new SDVariable[] {centered, rstd};
    }

    private static SDVariable constant(SameDiff sd, SDVariable like, long rows, long cols, double value) {
        String name = "rowops_" + like.dataType() + "_" + rows + "x" + cols + (value == 1.0 ? "" : "_mean");
        if (sd.hasVariable(name)) {
            return sd.getVariable(name);
        }
        return sd.constant(name, Nd4j.valueArrayOf(new long[] {rows, cols}, value, like.dataType()));
    }
}
