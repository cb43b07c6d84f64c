package dev.udadiffusion.segformer;

import dev.udadiffusion.core.nn.Attention;
import dev.udadiffusion.core.nn.Conv2d;
import dev.udadiffusion.core.nn.LayerNorm;
import dev.udadiffusion.core.nn.Linear;
import dev.udadiffusion.core.nn.Size2d;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * transformers {@code SegformerEfficientSelfAttention} + {@code SegformerSelfOutput}: q = query(x); keys and values
 * from x, or — with sequence reduction sr &gt; 1 — from LayerNorm(Conv2d(k = stride = sr)(x as NCHW)) (floor:
 * trailing rows/columns dropped); softmax(q kᵀ/√d) v over heads; output.dense.
 */
record SegformerEfficientSelfAttention(int hiddenSize, int heads, int srRatio) {

    /** x [B, h·w, C] on {@code grid}; the attention probabilities become the graph output {@code probsName}. */
    SDVariable forward(Params p, String prefix, SDVariable x, Size2d grid, String probsName) {
        int dim = hiddenSize;
        long n = grid.tokens();
        String a = prefix + ".self";
        SDVariable q = Linear.forward(p, a + ".query", x, 3, dim, dim, true, new long[] {n});
        SDVariable kv = x;
        long nkv = n;
        if (srRatio > 1) {
            SDVariable nchw = x.reshape(-1, grid.height(), grid.width(), dim).permute(0, 3, 1, 2); // [B, N, C] -> [B, C, h, w]
            SDVariable red = Conv2d.forward(p, a + ".sr", nchw, dim, dim, srRatio, srRatio, 0, true);
            nkv = (grid.height() / srRatio) * (grid.width() / srRatio);
            kv = LayerNorm.forward(p, a + ".layer_norm", red.permute(0, 2, 3, 1).reshape(-1, nkv, dim), 3, dim,
                    SegformerModel.LN_EPS);
        }
        long[] kvLead = {nkv};
        SDVariable k = Linear.forward(p, a + ".key", kv, 3, dim, dim, true, kvLead);
        SDVariable v = Linear.forward(p, a + ".value", kv, 3, dim, dim, true, kvLead);
        int d = dim / heads;
        // in one piece: SegFormer's keys are few after the reduction, and the probabilities are a named output
        SDVariable ctx = Attention.multiHeadWithProbs(p.sameDiff(), q, k, v, heads, d, 1.0 / Math.sqrt(d), n, nkv, probsName);
        return Linear.forward(p, prefix + ".output.dense", ctx, 3, dim, dim, true, new long[] {n});
    }
}
