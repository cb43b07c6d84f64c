package dev.udadiffusion.core.nn;

import dev.udadiffusion.core.state.Params;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * diffusers' {@code Attention} (self- or cross-attention) with the classic processor: {@code to_q}, {@code to_k},
 * {@code to_v} (bias optional), softmax(QK^T·scale)V per head, {@code to_out.0} (with bias). The core
 * {@link #multiHead} is shared with CLIP and SegFormer attention, which name their projections differently.
 */
public final class Attention {

    /**
     * Queries processed per chunk when the query count is known: the score tensor of one chunk is
     * {@code B·heads·chunk·keys} floats (SD1.5 at 64×64 latents, batch 2: 16·1024·4096·4 B = 268 MB instead of 1 GB).
     */
    public static final int DEFAULT_QUERY_CHUNK = 1024;

    private Attention() {
    }

    /**
     * diffusers {@code Attention(query_dim, cross_attention_dim, heads, dim_head, bias)} on {@code x} [B, Tq, queryDim]
     * attending to {@code context} [B, Tk, contextDim] ({@code null} for self-attention).
     *
     * @param queryTokens Tq when known at build time (enables query chunking), else -1
     */
    public static SDVariable forward(Params p, String prefix, SDVariable x, SDVariable context, int queryDim,
            int contextDim, int heads, int headDim, boolean qkvBias, long queryTokens) {
        return forward(p, prefix, x, context, queryDim, contextDim, heads, headDim, qkvBias, queryTokens,
                DEFAULT_QUERY_CHUNK);
    }

    /** As above with an explicit query chunk size. */
    public static SDVariable forward(Params p, String prefix, SDVariable x, SDVariable context, int queryDim,
            int contextDim, int heads, int headDim, boolean qkvBias, long queryTokens, int queryChunk) {
        return forward(p, prefix, x, context, queryDim, contextDim, heads, headDim, qkvBias, queryTokens, -1, queryChunk);
    }

    /** As above; {@code keyTokens} is the static context length when known (self-attention: the query length). */
    public static SDVariable forward(Params p, String prefix, SDVariable x, SDVariable context, int queryDim,
            int contextDim, int heads, int headDim, boolean qkvBias, long queryTokens, long keyTokens, int queryChunk) {
        int inner = heads * headDim;
        SDVariable ctx = context == null ? x : context;
        int ctxDim = context == null ? queryDim : contextDim;
        long kt = context == null ? queryTokens : keyTokens;
        long[] ql = queryTokens > 0 ? new long[] {queryTokens} : null;
        long[] kl = kt > 0 ? new long[] {kt} : null;
        SDVariable q = Linear.forward(p, prefix + ".to_q", x, 3, queryDim, inner, qkvBias, ql);
        SDVariable k = Linear.forward(p, prefix + ".to_k", ctx, 3, ctxDim, inner, qkvBias, kl);
        SDVariable v = Linear.forward(p, prefix + ".to_v", ctx, 3, ctxDim, inner, qkvBias, kl);
        SDVariable o = multiHead(p.sameDiff(), q, k, v, heads, headDim, 1.0 / Math.sqrt(headDim), queryTokens, kt,
                queryChunk, null);
        return Linear.forward(p, prefix + ".to_out.0", o, 3, inner, queryDim, true, ql);
    }

    /**
     * Scaled dot-product attention over heads: q [B, Tq, h·d], k and v [B, Tk, h·d] → [B, Tq, h·d]. Heads are the
     * contiguous d-sized slices of the last axis (torch's {@code view(B, T, h, d)}).
     *
     * @param mask        additive mask broadcastable to [B, h, Tq, Tk] (e.g. causal [1, 1, Tq, Tk]), or null
     * @param queryTokens Tq if known statically (then queries are processed in chunks of {@code queryChunk}), else -1
     */
    public static SDVariable multiHead(SameDiff sd, SDVariable q, SDVariable k, SDVariable v, int heads, int headDim,
            double scale, long queryTokens, int queryChunk, SDVariable mask) {
        return multiHead(sd, q, k, v, heads, headDim, scale, queryTokens, -1, queryChunk, mask);
    }

    /** As above; {@code keyTokens} is Tk when known statically (with queryTokens it makes every reshape literal). */
    public static SDVariable multiHead(SameDiff sd, SDVariable q, SDVariable k, SDVariable v, int heads, int headDim,
            double scale, long queryTokens, long keyTokens, int queryChunk, SDVariable mask) {
        return multiHead(sd, q, k, v, heads, headDim, scale, queryTokens, keyTokens, queryChunk, mask, null);
    }

    /**
     * As above, in one piece (no query chunks, no mask), with the attention probabilities [B, h, Tq, Tk] a graph output
     * named {@code probsName} (transformers' {@code output_attentions}; parity checks compare them).
     */
    public static SDVariable multiHeadWithProbs(SameDiff sd, SDVariable q, SDVariable k, SDVariable v, int heads,
            int headDim, double scale, long queryTokens, long keyTokens, String probsName) {
        return multiHead(sd, q, k, v, heads, headDim, scale, queryTokens, keyTokens, 0, null, probsName);
    }

    private static SDVariable multiHead(SameDiff sd, SDVariable q, SDVariable k, SDVariable v, int heads, int headDim,
            double scale, long queryTokens, long keyTokens, int queryChunk, SDVariable mask, String probsName) {
        // the scale goes on q, not on the scores: one pass over [B, Tq, h·d] instead of one over every [B, h, tq, Tk]
        // score chunk (Tk/d times larger: 100× for SD1.5's self-attention)
        SDVariable qh = splitHeads(sd, q.mul(scale), heads, headDim, queryTokens); // [B, h, Tq, d]
        SDVariable kh = splitHeads(sd, k, heads, headDim, keyTokens); // [B, h, Tk, d]
        SDVariable vh = splitHeads(sd, v, heads, headDim, keyTokens); // [B, h, Tk, d]
        SDVariable out;
        if (queryTokens > queryChunk && queryChunk > 0) {
            List<SDVariable> parts = new ArrayList<>();
            for (long s = 0; s < queryTokens; s += queryChunk) {
                long e = Math.min(queryTokens, s + queryChunk);
                SDVariable qc = qh.get(SDIndex.all(), SDIndex.all(), SDIndex.interval(s, e), SDIndex.all());
                SDVariable mc = mask == null ? null
                        : mask.get(SDIndex.all(), SDIndex.all(), SDIndex.interval(s, e), SDIndex.all());
                parts.add(attend(sd, qc, kh, vh, mc, null));
            }
            out = sd.concat(2, parts.toArray(new SDVariable[0]));
        } else {
            out = attend(sd, qh, kh, vh, mask, probsName);
        }
        // [B, h, Tq, d] -> [B, Tq, h, d] -> [B, Tq, h*d]
        if (queryTokens > 0) {
            return out.permute(0, 2, 1, 3).reshape(-1, queryTokens, (long) heads * headDim);
        }
        return out.permute(0, 2, 1, 3).reshape(Graphs.shapePrefix(sd, q, 2, (long) heads * headDim));
    }

    /** softmax(q·kᵀ + mask)·v with q already scaled; the softmax named {@code probsName} when not null. */
    private static SDVariable attend(SameDiff sd, SDVariable q, SDVariable k, SDVariable v, SDVariable mask,
            String probsName) {
        SDVariable s = sd.mmul(q, k, false, true, false); // [B, h, tq, Tk]
        if (mask != null) {
            s = s.add(mask);
        }
        SDVariable a = probsName == null ? sd.nn().softmax(s, 3) : sd.identity(probsName, sd.nn().softmax(s, 3));
        return sd.mmul(a, v); // [B, h, tq, d]
    }

    /** [B, T, h·d] -> [B, h, T, d]; T static when positive. */
    static SDVariable splitHeads(SameDiff sd, SDVariable x, int heads, int headDim, long tokens) {
        SDVariable r = tokens > 0 ? x.reshape(-1, tokens, heads, headDim)
                : x.reshape(Graphs.shapePrefix(sd, x, 2, heads, headDim));
        return r.permute(0, 2, 1, 3);
    }
}
