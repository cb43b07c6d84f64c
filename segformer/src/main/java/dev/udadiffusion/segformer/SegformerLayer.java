package dev.udadiffusion.segformer;

import dev.udadiffusion.core.nn.Activations;
import dev.udadiffusion.core.nn.Conv2d;
import dev.udadiffusion.core.nn.DepthwiseConv2d;
import dev.udadiffusion.core.nn.LayerNorm;
import dev.udadiffusion.core.nn.Linear;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * transformers {@code SegformerLayer} (pre-LN): x + EfficientSelfAttention(LN1(x)); x + MixFFN(LN2(x)).
 * Attention: q = query(x); keys/values from x, or — with sr &gt; 1 — from LayerNorm(Conv2d(k=stride=sr)(x as
 * NCHW)) (floor: trailing rows/columns dropped); heads as view(B, N, heads, d); softmax(q kᵀ/√d) v; output.dense.
 * Mix-FFN: dense1 → 3×3 depthwise conv on the h×w grid → exact GELU → dense2.
 */
final class SegformerLayer {

    private SegformerLayer() {
    }

    static SDVariable forward(Params p, String prefix, SDVariable x, int dim, int heads, int sr, int mlpRatio, long h, long w,
            String attentionName) {
        SameDiff sd = p.sameDiff();
        long n = h * w;
        long[] lead = {n};
        // 1. efficient self-attention
        SDVariable y = LayerNorm.forward(p, prefix + ".layer_norm_1", x, 3, dim, SegformerModel.LN_EPS);
        String a = prefix + ".attention.self";
        SDVariable q = Linear.forward(p, a + ".query", y, 3, dim, dim, true, lead);
        SDVariable kv = y;
        long nkv = n;
        if (sr > 1) {
            SDVariable grid = y.reshape(-1, h, w, dim).permute(0, 3, 1, 2); // [B, N, C] -> [B, C, h, w]
            SDVariable red = Conv2d.forward(p, a + ".sr", grid, dim, dim, sr, sr, 0, true);
            long hr = h / sr;
            long wr = w / sr;
            nkv = hr * wr;
            kv = LayerNorm.forward(p, a + ".layer_norm", red.permute(0, 2, 3, 1).reshape(-1, nkv, dim), 3, dim,
                    SegformerModel.LN_EPS);
        }
        long[] kvLead = {nkv};
        SDVariable k = Linear.forward(p, a + ".key", kv, 3, dim, dim, true, kvLead);
        SDVariable v = Linear.forward(p, a + ".value", kv, 3, dim, dim, true, kvLead);
        int d = dim / heads;
        // 1/√d on q rather than on the [B, heads, N, Nkv] scores: fewer elements whenever Nkv > d
        SDVariable qh = q.mul(1.0 / Math.sqrt(d)).reshape(-1, n, heads, d).permute(0, 2, 1, 3); // [B, heads, N, d]
        SDVariable kh = k.reshape(-1, nkv, heads, d).permute(0, 2, 1, 3);
        SDVariable vh = v.reshape(-1, nkv, heads, d).permute(0, 2, 1, 3);
        SDVariable scores = sd.mmul(qh, kh, false, true, false);
        SDVariable probs = sd.identity(attentionName, sd.nn().softmax(scores, 3));
        SDVariable ctx = sd.mmul(probs, vh).permute(0, 2, 1, 3).reshape(-1, n, dim);
        SDVariable att = Linear.forward(p, prefix + ".attention.output.dense", ctx, 3, dim, dim, true, lead);
        x = x.add(att);
        // 2. Mix-FFN
        int hidden = dim * mlpRatio;
        y = LayerNorm.forward(p, prefix + ".layer_norm_2", x, 3, dim, SegformerModel.LN_EPS);
        y = Linear.forward(p, prefix + ".mlp.dense1", y, 3, dim, hidden, true, lead);
        SDVariable g = y.reshape(-1, h, w, hidden).permute(0, 3, 1, 2);
        g = DepthwiseConv2d.forward(p, prefix + ".mlp.dwconv.dwconv", g, hidden, 3, 1, 1, true);
        y = g.permute(0, 2, 3, 1).reshape(-1, n, hidden);
        y = Activations.gelu(sd, y);
        y = Linear.forward(p, prefix + ".mlp.dense2", y, 3, hidden, dim, true, lead);
        return x.add(y);
    }
}
