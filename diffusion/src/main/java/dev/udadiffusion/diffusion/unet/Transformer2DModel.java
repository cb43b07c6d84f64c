package dev.udadiffusion.diffusion.unet;

import dev.udadiffusion.core.nn.Conv2d;
import dev.udadiffusion.core.nn.GroupNorm;
import dev.udadiffusion.core.nn.Linear;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

/**
 * diffusers {@code Transformer2DModel} on continuous input: GroupNorm(32, eps 1e-6) → proj_in (1×1 conv, or Linear
 * when use_linear_projection) → [B, H·W, inner] → BasicTransformerBlocks → proj_out → + input.
 */
public final class Transformer2DModel {

    static final double GN_EPS = 1e-6;

    private Transformer2DModel() {
    }

    public static SDVariable forward(Params p, String prefix, SDVariable x, SDVariable context, int channels, int heads,
            int layers, int crossDim, int groups, boolean linearProjection, long tokens, int queryChunk) {
        SameDiff sd = p.sameDiff();
        int inner = channels; // heads × (channels / heads)
        SDVariable h = GroupNorm.forward(p, prefix + ".norm", x, 4, groups, channels, GN_EPS, true);
        SDVariable bhw = x.shape().get(SDIndex.interval(0, 1));
        SDVariable seqShape = sd.concat(0, bhw, sd.constant(Nd4j.createFromArray(-1L, (long) inner)));
        if (!linearProjection) {
            h = Conv2d.forward(p, prefix + ".proj_in", h, channels, inner, 1, 1, 0, true);
            h = h.permute(0, 2, 3, 1).reshape(seqShape); // [B, C, H, W] -> [B, H*W, C]
        } else {
            h = h.permute(0, 2, 3, 1).reshape(seqShape);
            h = Linear.forward(p, prefix + ".proj_in", h, 3, channels, inner, true);
        }
        for (int i = 0; i < layers; i++) {
            h = BasicTransformerBlock.forward(p, prefix + ".transformer_blocks." + i, h, context, inner, heads, crossDim, tokens, queryChunk);
        }
        // [B, H*W, C] -> [B, H, W, C] -> [B, C, H, W]
        SDVariable nhwc = sd.concat(0, bhw, x.shape().get(SDIndex.interval(2, 4)), sd.constant(Nd4j.createFromArray((long) inner)));
        if (!linearProjection) {
            h = h.reshape(nhwc).permute(0, 3, 1, 2);
            h = Conv2d.forward(p, prefix + ".proj_out", h, inner, channels, 1, 1, 0, true);
        } else {
            h = Linear.forward(p, prefix + ".proj_out", h, 3, inner, channels, true);
            h = h.reshape(nhwc).permute(0, 3, 1, 2);
        }
        return h.add(x);
    }
}
