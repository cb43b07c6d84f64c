package dev.udadiffusion.core.nn;

import dev.udadiffusion.core.state.Init;
import dev.udadiffusion.core.state.Layout;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * {@code torch.nn.LayerNorm(dim, eps)} over the last axis of a rank-{@code rank} input. Composed because M2.1's native
 * layerNorm has no epsilon (error 3.4 at input std 1e-3); the axis is passed as {@code rank - 1}, never -1.
 */
public final class LayerNorm {

    private LayerNorm() {
    }

    public static SDVariable forward(Params p, String prefix, SDVariable x, int rank, int dim, double eps) {
        SDVariable w = p.get(prefix + ".weight", new long[] {dim}, Layout.TORCH, Init.ones());
        SDVariable b = p.get(prefix + ".bias", new long[] {dim}, Layout.TORCH, Init.zeros());
        return normalize(p.sameDiff(), x, rank, eps).mul(w).add(b);
    }

    /** The normalisation without affine parameters. */
    public static SDVariable normalize(SameDiff sd, SDVariable x, int rank, double eps) {
        int axis = rank - 1;
        SDVariable mean = x.mean(true, axis);
        SDVariable centered = x.sub(mean);
        SDVariable var = centered.mul(centered).mean(true, axis);
        return centered.mul(sd.math().rsqrt(var.add(eps)));
    }
}
