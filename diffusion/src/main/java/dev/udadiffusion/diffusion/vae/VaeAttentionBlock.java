package dev.udadiffusion.diffusion.vae;

import dev.udadiffusion.core.nn.Attention;
import dev.udadiffusion.core.nn.Graphs;
import dev.udadiffusion.core.nn.GroupNorm;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * The VAE mid-block attention (diffusers {@code Attention} built from the old {@code AttentionBlock}): group_norm over
 * [B, C, H, W], then single-head self-attention over the H·W tokens with scale 1/sqrt(C) (to_q/to_k/to_v/to_out.0
 * Linear C→C with bias), reshaped back and added to the input.
 */
public final class VaeAttentionBlock {

    private VaeAttentionBlock() {
    }

    /** @param height x's static height, or -1 when unknown (likewise width) */
    public static SDVariable forward(Params p, String prefix, SDVariable x, int channels, int groups, double eps,
            long height, long width) {
        SameDiff sd = p.sameDiff();
        SDVariable h = GroupNorm.forward(p, prefix + ".group_norm", x, 4, groups, channels, eps, true, height, width);
        boolean known = Graphs.known(height, width);
        long n = known ? height * width : -1;
        // [B, C, H, W] -> [B, C, HW] -> [B, HW, C]; literal shapes when the size is known (no shape ops, fewer in backward)
        SDVariable flat = known ? h.reshape(-1, channels, n)
                : h.reshape(sd.concat(0, x.shape().get(org.nd4j.autodiff.samediff.SDIndex.interval(0, 2)),
                        sd.constant(org.nd4j.linalg.factory.Nd4j.createFromArray(-1L))));
        SDVariable a = Attention.forward(p, prefix, flat.permute(0, 2, 1), null, channels, channels, 1, channels, true, n);
        SDVariable t = a.permute(0, 2, 1); // [B, HW, C] -> [B, C, HW]
        SDVariable back = known ? t.reshape(-1, channels, height, width) : t.reshape(x.shape());
        return back.add(x);
    }
}
