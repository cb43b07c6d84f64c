package dev.udadiffusion.diffusion.clip;

import dev.udadiffusion.core.nn.Activations;
import dev.udadiffusion.core.nn.Attention;
import dev.udadiffusion.core.nn.LayerNorm;
import dev.udadiffusion.core.nn.Linear;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * transformers {@code CLIPEncoderLayer}: pre-LN; layer_norm1 → causal self_attn (q/k/v/out_proj with bias, scale
 * head_dim^−½) → +res; layer_norm2 → mlp (fc1 → quick_gelu/gelu → fc2) → +res.
 */
final class CLIPEncoderLayer {

    private CLIPEncoderLayer() {
    }

    static SDVariable forward(Params p, String prefix, SDVariable x, SDVariable causalMask, CLIPTextConfig c, long tokens) {
        SameDiff sd = p.sameDiff();
        int d = c.hiddenSize();
        int heads = c.numAttentionHeads();
        SDVariable h = LayerNorm.forward(p, prefix + ".layer_norm1", x, 3, d, c.layerNormEps());
        long[] lead = {tokens};
        SDVariable q = Linear.forward(p, prefix + ".self_attn.q_proj", h, 3, d, d, true, lead);
        SDVariable k = Linear.forward(p, prefix + ".self_attn.k_proj", h, 3, d, d, true, lead);
        SDVariable v = Linear.forward(p, prefix + ".self_attn.v_proj", h, 3, d, d, true, lead);
        SDVariable a = Attention.multiHead(sd, q, k, v, heads, d / heads, 1.0 / Math.sqrt((double) d / heads), tokens,
                tokens, Attention.DEFAULT_QUERY_CHUNK, causalMask);
        x = Linear.forward(p, prefix + ".self_attn.out_proj", a, 3, d, d, true, lead).add(x);
        h = LayerNorm.forward(p, prefix + ".layer_norm2", x, 3, d, c.layerNormEps());
        h = Linear.forward(p, prefix + ".mlp.fc1", h, 3, d, c.intermediateSize(), true, lead);
        h = c.hiddenAct().equals("quick_gelu") ? Activations.quickGelu(sd, h) : Activations.gelu(sd, h);
        return Linear.forward(p, prefix + ".mlp.fc2", h, 3, c.intermediateSize(), d, true, lead).add(x);
    }
}
