package dev.udadiffusion.core.nn;

import dev.udadiffusion.core.state.Init;
import dev.udadiffusion.core.state.Layout;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * {@code torch.nn.Linear} on the last axis of a rank-{@code rank} input: {@code prefix.weight} [out, in],
 * {@code prefix.bias} [out]. M2.1's mmul does not broadcast rank-3 by rank-2, so the input is flattened to 2-D.
 */
public final class Linear {

    private Linear() {
    }

    public static SDVariable forward(Params p, String prefix, SDVariable x, int rank, int in, int out, boolean bias) {
        return forward(p, prefix, x, rank, in, out, bias, null);
    }

    /**
     * As above; {@code lead} are the static non-batch leading dims of x (e.g. {T} for [B, T, in]) when known, so the
     * output reshape needs no shape computation.
     */
    public static SDVariable forward(Params p, String prefix, SDVariable x, int rank, int in, int out, boolean bias,
            long[] lead) {
        SDVariable w = p.get(prefix + ".weight", new long[] {out, in}, Layout.TORCH, Init.torchDefault(in));
        SDVariable b = bias ? p.get(prefix + ".bias", new long[] {out}, Layout.TORCH, Init.torchDefault(in)) : null;
        if (rank > 2 && Graphs.known(lead) && lead.length == rank - 2) {
            SDVariable y = p.sameDiff().mmul(x.reshape(-1, in), w, false, true, false);
            if (b != null) {
                y = y.add(b);
            }
            long[] shape = new long[rank];
            shape[0] = -1;
            System.arraycopy(lead, 0, shape, 1, lead.length);
            shape[rank - 1] = out;
            return y.reshape(shape);
        }
        return apply(p.sameDiff(), x, rank, in, out, w, b);
    }

    /** {@code x W^T + b} with a torch-layout weight [out, in]. */
    public static SDVariable apply(SameDiff sd, SDVariable x, int rank, int in, int out, SDVariable w, SDVariable b) {
        SDVariable x2 = rank == 2 ? x : x.reshape(-1, in); // [..., in] -> [M, in]
        SDVariable y = sd.mmul(x2, w, false, true, false); // [M, out]
        if (b != null) {
            y = y.add(b);
        }
        return rank == 2 ? y : y.reshape(Graphs.shapeWithLast(sd, x, rank, out)); // -> [..., out]
    }
}
