package dev.udadiffusion.diffusion.vae;

import dev.udadiffusion.core.nn.Activations;
import dev.udadiffusion.core.nn.Conv2d;
import dev.udadiffusion.core.nn.GroupNorm;
import dev.udadiffusion.core.nn.Size2d;
import dev.udadiffusion.core.state.Params;
import dev.udadiffusion.diffusion.blocks.ResnetBlock2D;
import dev.udadiffusion.diffusion.blocks.Upsample2D;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;

/** diffusers VAE {@code Decoder}: latent [B, latent, h, w] → image [B, 3, h·f, w·f]. */
public final class Decoder {

    private Decoder() {
    }

    public static SDVariable forward(Params p, String prefix, SDVariable z, AutoencoderKLConfig c) {
        return forward(p, prefix, z, c, Size2d.UNKNOWN);
    }

    /** As above with the latent's static height and width (-1 when unknown; see {@link Encoder}). */
    public static SDVariable forward(Params p, String prefix, SDVariable z, AutoencoderKLConfig c, Size2d size) {
        long height = size.height();
        long width = size.width();
        List<Integer> ch = c.blockOutChannels();
        int groups = c.normNumGroups();
        double eps = Encoder.EPS;
        int top = ch.get(ch.size() - 1);
        // 1. conv_in
        SDVariable h = Conv2d.forward(p, prefix + ".conv_in", z, c.latentChannels(), top, 3, 1, 1, true);
        // 2. mid block
        h = new VaeMidBlock(top, groups, eps, c.midBlockAddAttention()).forward(p, prefix + ".mid_block", h, size);
        // 3. up blocks over reversed channels: layers_per_block + 1 resnets, upsampler except after the last
        int in = top;
        for (int i = 0; i < ch.size(); i++) {
            int out = ch.get(ch.size() - 1 - i);
            String b = prefix + ".up_blocks." + i;
            for (int j = 0; j <= c.layersPerBlock(); j++) {
                h = ResnetBlock2D.withoutTime(j == 0 ? in : out, out, groups, eps).forward(p, b + ".resnets." + j, h, null,
                        new Size2d(height, width));
            }
            if (i < ch.size() - 1) {
                h = Upsample2D.forward(p, b + ".upsamplers.0", h, out);
                height = height > 0 ? 2 * height : -1;
                width = width > 0 ? 2 * width : -1;
            }
            in = out;
        }
        // 4. post-process
        int last = ch.get(0);
        h = GroupNorm.of(groups, last, eps).forward(p, prefix + ".conv_norm_out", h, new Size2d(height, width));
        h = Activations.silu(p.sameDiff(), h);
        return Conv2d.forward(p, prefix + ".conv_out", h, last, c.outChannels(), 3, 1, 1, true);
    }
}
