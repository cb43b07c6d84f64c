package dev.udadiffusion.core.nn;

import dev.udadiffusion.core.state.Init;
import dev.udadiffusion.core.state.Layout;
import dev.udadiffusion.core.state.Params;
import java.util.Arrays;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * diffusers' {@code GEGLU}: {@code prefix.proj} = Linear(in, 2·out); {@code (h, gate) = chunk(2, dim=-1)};
 * {@code h * gelu(gate)} with exact GELU. Input [B, T, in] (rank 3) or [M, in].
 */
public final class GEGLU {

    private GEGLU() {
    }

    public static SDVariable forward(Params p, String prefix, SDVariable x, int rank, int in, int out) {
        return forward(p, prefix, x, rank, in, out, null);
    }

    /** As above with static non-batch leading dims {@code lead} when known. */
    public static SDVariable forward(Params p, String prefix, SDVariable x, int rank, int in, int out, long[] lead) {
        SameDiff sd = p.sameDiff();
        SDVariable w = p.get(prefix + ".proj.weight", new long[] {2L * out, in}, Layout.TORCH, Init.torchDefault(in));
        SDVariable b = p.get(prefix + ".proj.bias", new long[] {2L * out}, Layout.TORCH, Init.torchDefault(in));
        SDVariable x2 = rank == 2 ? x : x.reshape(-1, in); // [M, in]
        // chunk the weights, not the activations: strided_slice_bp fails ("lengths of arrays are mismatched") when
        // the activation has a leading dim of 1 (one token at batch 1, e.g. a 1x1 U-Net level), so slice [2out, in]
        SDVariable h = sd.mmul(x2, w.get(SDIndex.interval(0, out), SDIndex.all()), false, true, false)
                .add(b.get(SDIndex.interval(0, out))); // [M, out]
        SDVariable gate = sd.mmul(x2, w.get(SDIndex.interval(out, 2 * out), SDIndex.all()), false, true, false)
                .add(b.get(SDIndex.interval(out, 2 * out)));
        SDVariable r = h.mul(Activations.gelu(sd, gate)); // [M, out]
        if (rank == 2) {
            return r;
        }
        if (Graphs.known(lead) && lead.length == rank - 2) {
            long[] shape = Graphs.batchShape(Arrays.copyOf(lead, lead.length + 1));
            shape[rank - 1] = out;
            return r.reshape(shape);
        }
        return r.reshape(Graphs.shapeWithLast(sd, x, rank, out));
    }
}
