package dev.udadiffusion.diffusion.blocks;

import dev.udadiffusion.core.nn.Activations;
import dev.udadiffusion.core.nn.Conv2d;
import dev.udadiffusion.core.nn.GroupNorm;
import dev.udadiffusion.core.nn.Linear;
import dev.udadiffusion.core.nn.Size2d;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * diffusers {@code ResnetBlock2D} (time_embedding_norm "default", no up/down inside, output_scale_factor 1):
 * norm1 → SiLU → conv1 → (+ time_emb_proj(SiLU(temb))) → norm2 → SiLU → conv2, plus the input through a 1×1
 * {@code conv_shortcut} when the channel count changes.
 */
public record ResnetBlock2D(int in, int out, int tembChannels, int groups, double eps) {

    /** The VAE's resnets: no time embedding. */
    public static ResnetBlock2D withoutTime(int in, int out, int groups, double eps) {
        return new ResnetBlock2D(in, out, 0, groups, eps);
    }

    /**
     * @param temb time embedding [B, tembChannels], or null (VAE)
     * @param size x's static height and width, {@link Size2d#UNKNOWN} when not known
     */
    public SDVariable forward(Params p, String prefix, SDVariable x, SDVariable temb, Size2d size) {
        SameDiff sd = p.sameDiff();
        SDVariable h = GroupNorm.of(groups, in, eps).forward(p, prefix + ".norm1", x, size);
        h = Conv2d.forward(p, prefix + ".conv1", Activations.silu(sd, h), in, out, 3, 1, 1, true);
        if (temb != null) {
            SDVariable t = Linear.forward(p, prefix + ".time_emb_proj", Activations.silu(sd, temb), 2, tembChannels, out, true);
            h = h.add(t.reshape(-1, out, 1, 1)); // [B, out] -> [B, out, 1, 1]
        }
        h = GroupNorm.of(groups, out, eps).forward(p, prefix + ".norm2", h, size);
        h = Conv2d.forward(p, prefix + ".conv2", Activations.silu(sd, h), out, out, 3, 1, 1, true);
        SDVariable shortcut = in == out ? x : Conv2d.forward(p, prefix + ".conv_shortcut", x, in, out, 1, 1, 0, true);
        return shortcut.add(h);
    }
}
