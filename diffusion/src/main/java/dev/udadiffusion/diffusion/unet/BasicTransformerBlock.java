package dev.udadiffusion.diffusion.unet;

import dev.udadiffusion.core.nn.Attention;
import dev.udadiffusion.core.nn.LayerNorm;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * diffusers {@code BasicTransformerBlock} (norm_type layer_norm, SD1.x): LN → self-attention (attn1) → +res,
 * LN → cross-attention on the text embeddings (attn2) → +res, LN → GEGLU feed-forward → +res. q/k/v without bias.
 */
public final class BasicTransformerBlock {

    static final double LN_EPS = 1e-5;

    private BasicTransformerBlock() {
    }

    /** x [B, T, dim]; context [B, S, crossDim]; tokens = T when known at build time (query chunking), else -1. */
    public static SDVariable forward(Params p, String prefix, SDVariable x, SDVariable context, int dim, int heads,
            int crossDim, long tokens, int queryChunk) {
        int headDim = dim / heads;
        // 1. self-attention
        SDVariable n1 = LayerNorm.forward(p, prefix + ".norm1", x, 3, dim, LN_EPS);
        SDVariable h = Attention.forward(p, prefix + ".attn1", n1, null, dim, dim, heads, headDim, false, tokens, tokens,
                queryChunk).add(x);
        // 2. cross-attention
        SDVariable n2 = LayerNorm.forward(p, prefix + ".norm2", h, 3, dim, LN_EPS);
        h = Attention.forward(p, prefix + ".attn2", n2, context, dim, crossDim, heads, headDim, false, tokens, -1,
                queryChunk).add(h);
        // 3. feed-forward
        SDVariable n3 = LayerNorm.forward(p, prefix + ".norm3", h, 3, dim, LN_EPS);
        return FeedForward.forward(p, prefix + ".ff", n3, dim, tokens).add(h);
    }
}
