package dev.udadiffusion.diffusion.unet;

import dev.udadiffusion.core.nn.Conv2d;
import dev.udadiffusion.core.nn.GroupNorm;
import dev.udadiffusion.core.nn.Linear;
import dev.udadiffusion.core.nn.Size2d;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * diffusers {@code Transformer2DModel} on continuous input: GroupNorm(32, eps 1e-6) → proj_in (1×1 conv, or Linear
 * when use_linear_projection) → [B, H·W, inner] → BasicTransformerBlocks → proj_out → + input.
 */
public record Transformer2DModel(int channels, int heads, int layers, int crossDim, int groups,
        boolean linearProjection) {

    static final double GN_EPS = 1e-6;

    /** x [B, channels, H, W] of static {@code size}; context [B, S, crossDim]. */
    public SDVariable forward(Params p, String prefix, SDVariable x, SDVariable context, Size2d size, int queryChunk) {
        int inner = channels; // heads × (channels / heads)
        long height = size.height();
        long width = size.width();
        long tokens = size.tokens();
        long[] lead = {tokens};
        SDVariable h = GroupNorm.of(groups, channels, GN_EPS).forward(p, prefix + ".norm", x, size);
        if (!linearProjection) {
            h = Conv2d.forward(p, prefix + ".proj_in", h, channels, inner, 1, 1, 0, true);
            h = h.permute(0, 2, 3, 1).reshape(-1, tokens, inner); // [B, C, H, W] -> [B, H*W, C]
        } else {
            h = h.permute(0, 2, 3, 1).reshape(-1, tokens, channels);
            h = Linear.forward(p, prefix + ".proj_in", h, 3, channels, inner, true, lead);
        }
        for (int i = 0; i < layers; i++) {
            h = BasicTransformerBlock.forward(p, prefix + ".transformer_blocks." + i, h, context, inner, heads, crossDim,
                    tokens, queryChunk);
        }
        // [B, H*W, C] -> [B, H, W, C] -> [B, C, H, W]
        if (!linearProjection) {
            h = h.reshape(-1, height, width, inner).permute(0, 3, 1, 2);
            h = Conv2d.forward(p, prefix + ".proj_out", h, inner, channels, 1, 1, 0, true);
        } else {
            h = Linear.forward(p, prefix + ".proj_out", h, 3, inner, channels, true, lead);
            h = h.reshape(-1, height, width, channels).permute(0, 3, 1, 2);
        }
        return h.add(x);
    }
}
