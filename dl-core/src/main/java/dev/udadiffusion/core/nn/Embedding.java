package dev.udadiffusion.core.nn;

import dev.udadiffusion.core.state.Init;
import dev.udadiffusion.core.state.Layout;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * {@code torch.nn.Embedding(num, dim)}: {@code prefix.weight} [num, dim], looked up by integer ids of static rank
 * {@code idsRank}. A frozen table uses gather; a trainable one uses one-hot × table, because M2.1's gather backward
 * crashes when the table is a trainable variable.
 */
public final class Embedding {

    private Embedding() {
    }

    public static SDVariable forward(Params p, String prefix, SDVariable ids, int idsRank, int num, int dim,
            boolean trainable) {
        SameDiff sd = p.sameDiff();
        SDVariable w = p.get(prefix + ".weight", new long[] {num, dim}, Layout.TORCH, Init.normal(1.0));
        if (!trainable) {
            return sd.gather(w, ids.castTo(DataType.INT), 0); // [..., dim]
        }
        SDVariable oneHot = sd.oneHot(ids.castTo(DataType.INT), num, -1, 1.0, 0.0,
                p.dataType()); // [..., num]
        SDVariable flat = sd.mmul(oneHot.reshape(-1, num), w); // [M, dim]
        return flat.reshape(Graphs.shapeWithLast(sd, oneHot, idsRank + 1, dim));
    }
}
