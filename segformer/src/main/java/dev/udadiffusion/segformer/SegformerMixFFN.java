package dev.udadiffusion.segformer;

import dev.udadiffusion.core.nn.Activations;
import dev.udadiffusion.core.nn.DepthwiseConv2d;
import dev.udadiffusion.core.nn.Linear;
import dev.udadiffusion.core.nn.Size2d;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;

/** transformers {@code SegformerMixFFN}: dense1 → 3×3 depthwise conv on the h×w grid → exact GELU → dense2. */
record SegformerMixFFN(int hiddenSize, int intermediateSize) {

    SDVariable forward(Params p, String prefix, SDVariable x, Size2d grid) {
        long[] lead = {grid.tokens()};
        int hidden = intermediateSize;
        SDVariable y = Linear.forward(p, prefix + ".dense1", x, 3, hiddenSize, hidden, true, lead);
        SDVariable g = y.reshape(-1, grid.height(), grid.width(), hidden).permute(0, 3, 1, 2);
        g = DepthwiseConv2d.forward(p, prefix + ".dwconv.dwconv", g, hidden, 3, 1, 1, true);
        y = g.permute(0, 2, 3, 1).reshape(-1, grid.tokens(), hidden);
        y = Activations.gelu(p.sameDiff(), y);
        return Linear.forward(p, prefix + ".dense2", y, 3, hidden, hiddenSize, true, lead);
    }
}
