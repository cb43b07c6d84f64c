package dev.udadiffusion.core.nn;

import dev.udadiffusion.core.state.Init;
import dev.udadiffusion.core.state.Layout;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * {@code torch.nn.LayerNorm(dim, eps)} over the last axis of a rank-{@code rank} input. Composed because M2.1's native
 * layerNorm has no epsilon (error 3.4 at input std 1e-3); the axis is passed as {@code rank - 1}, never -1. Graphs
 * that take gradients get the {@link RowOps} form, whose backward avoids M2.1's slow broadcast {@code multiply_bp}.
 */
public final class LayerNorm {

    private LayerNorm() {
    }

    public static SDVariable forward(Params p, String prefix, SDVariable x, int rank, int dim, double eps) {
        SDVariable w = p.get(prefix + ".weight", new long[] {dim}, Layout.TORCH, Init.ones());
        SDVariable b = p.get(prefix + ".bias", new long[] {dim}, Layout.TORCH, Init.zeros());
        SameDiff sd = p.sameDiff();
        if (!Graphs.isTraining(sd)) {
            return normalize(sd, x, rank, eps).mul(w).add(b);
        }
        // rows of [M, dim] (see RowOps); the scale rstd_m · w_d is one outer product, so no product broadcasts
        // (a broadcast add is cheap: only multiply_bp is slow)
        SDVariable[] cr = RowOps.centeredAndRstd(sd, x.reshape(-1, dim), dim, eps);
        return cr[0].mul(cr[1].mmul(w.reshape(1, dim))).add(b).reshape(x.shape());
    }

    /** The normalisation without affine parameters (broadcasting form). */
    public static SDVariable normalize(SameDiff sd, SDVariable x, int rank, double eps) {
        int axis = rank - 1;
        SDVariable mean = x.mean(true, axis);
        SDVariable centered = x.sub(mean);
        SDVariable var = centered.mul(centered).mean(true, axis);
        return centered.mul(sd.math().rsqrt(var.add(eps)));
    }
}
