package dev.udadiffusion.diffusion.blocks;

import dev.udadiffusion.core.nn.Activations;
import dev.udadiffusion.core.nn.Conv2d;
import dev.udadiffusion.core.nn.GroupNorm;
import dev.udadiffusion.core.nn.Linear;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * diffusers {@code ResnetBlock2D} (time_embedding_norm "default", no up/down inside, output_scale_factor 1):
 * norm1 → SiLU → conv1 → (+ time_emb_proj(SiLU(temb))) → norm2 → SiLU → conv2, plus the input through a 1×1
 * {@code conv_shortcut} when the channel count changes.
 */
public final class ResnetBlock2D {

    private ResnetBlock2D() {
    }

    /**
     * @param temb    time embedding [B, tembChannels], or null (VAE)
     */
    public static SDVariable forward(Params p, String prefix, SDVariable x, int in, int out, SDVariable temb,
            int tembChannels, int groups, double eps) {
        return forward(p, prefix, x, in, out, temb, tembChannels, groups, eps, -1, -1);
    }

    /** As above with the static height and width of x when known (-1 otherwise). */
    public static SDVariable forward(Params p, String prefix, SDVariable x, int in, int out, SDVariable temb,
            int tembChannels, int groups, double eps, long height, long width) {
        SameDiff sd = p.sameDiff();
        SDVariable h = GroupNorm.forward(p, prefix + ".norm1", x, 4, groups, in, eps, true, height, width);
        h = Conv2d.forward(p, prefix + ".conv1", Activations.silu(sd, h), in, out, 3, 1, 1, true);
        if (temb != null) {
            SDVariable t = Linear.forward(p, prefix + ".time_emb_proj", Activations.silu(sd, temb), 2, tembChannels, out, true);
            h = h.add(t.reshape(-1, out, 1, 1)); // [B, out] -> [B, out, 1, 1]
        }
        h = GroupNorm.forward(p, prefix + ".norm2", h, 4, groups, out, eps, true, height, width);
        h = Conv2d.forward(p, prefix + ".conv2", Activations.silu(sd, h), out, out, 3, 1, 1, true);
        SDVariable shortcut = in == out ? x : Conv2d.forward(p, prefix + ".conv_shortcut", x, in, out, 1, 1, 0, true);
        return shortcut.add(h);
    }
}
