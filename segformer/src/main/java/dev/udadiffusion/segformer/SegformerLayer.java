package dev.udadiffusion.segformer;

import dev.udadiffusion.core.nn.LayerNorm;
import dev.udadiffusion.core.nn.Size2d;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;

/** transformers {@code SegformerLayer} (pre-LN): x + EfficientSelfAttention(LN1(x)); x + MixFFN(LN2(x)). */
record SegformerLayer(int hiddenSize, int heads, int srRatio, int mlpRatio) {

    SDVariable forward(Params p, String prefix, SDVariable x, Size2d grid, String attentionName) {
        int dim = hiddenSize;
        SDVariable y = LayerNorm.forward(p, prefix + ".layer_norm_1", x, 3, dim, SegformerModel.LN_EPS);
        x = x.add(new SegformerEfficientSelfAttention(dim, heads, srRatio).forward(p, prefix + ".attention", y, grid,
                attentionName));
        y = LayerNorm.forward(p, prefix + ".layer_norm_2", x, 3, dim, SegformerModel.LN_EPS);
        return x.add(new SegformerMixFFN(dim, dim * mlpRatio).forward(p, prefix + ".mlp", y, grid));
    }
}
