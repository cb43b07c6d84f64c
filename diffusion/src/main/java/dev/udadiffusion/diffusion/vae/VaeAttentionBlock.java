package dev.udadiffusion.diffusion.vae;

import dev.udadiffusion.core.nn.Attention;
import dev.udadiffusion.core.nn.Graphs;
import dev.udadiffusion.core.nn.GroupNorm;
import dev.udadiffusion.core.nn.Size2d;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The VAE mid-block attention (diffusers {@code Attention} built from the old {@code AttentionBlock}): group_norm over
 * [B, C, H, W], then single-head self-attention over the H·W tokens with scale 1/sqrt(C) (to_q/to_k/to_v/to_out.0
 * Linear C→C with bias), reshaped back and added to the input.
 */
public record VaeAttentionBlock(int channels, int groups, double eps) {

    /** @param size x's static height and width, {@link Size2d#UNKNOWN} when not known */
    public SDVariable forward(Params p, String prefix, SDVariable x, Size2d size) {
        SameDiff sd = p.sameDiff();
        SDVariable h = GroupNorm.of(groups, channels, eps).forward(p, prefix + ".group_norm", x, size);
        long height = size.height();
        long width = size.width();
        boolean known = Graphs.known(height, width);
        long n = known ? height * width : -1;
        // [B, C, H, W] -> [B, C, HW] -> [B, HW, C]; literal shapes when the size is known (no shape ops, fewer in backward)
        SDVariable flat = known ? h.reshape(-1, channels, n)
                : h.reshape(sd.concat(0, x.shape().get(SDIndex.interval(0, 2)),
                        sd.constant(Nd4j.createFromArray(-1L))));
        SDVariable a = Attention.forward(p, prefix, flat.permute(0, 2, 1), null, channels, channels, 1, channels, true, n);
        SDVariable t = a.permute(0, 2, 1); // [B, HW, C] -> [B, C, HW]
        SDVariable back = known ? t.reshape(-1, channels, height, width) : t.reshape(x.shape());
        return back.add(x);
    }
}
