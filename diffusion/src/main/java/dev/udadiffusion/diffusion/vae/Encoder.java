package dev.udadiffusion.diffusion.vae;

import dev.udadiffusion.core.nn.Activations;
import dev.udadiffusion.core.nn.Conv2d;
import dev.udadiffusion.core.nn.GroupNorm;
import dev.udadiffusion.core.nn.Size2d;
import dev.udadiffusion.core.state.Params;
import dev.udadiffusion.diffusion.blocks.Downsample2D;
import dev.udadiffusion.diffusion.blocks.ResnetBlock2D;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;

/** diffusers VAE {@code Encoder} (double_z): image [B, 3, H, W] → [B, 2·latent, H/f, W/f]. */
public final class Encoder {

    static final double EPS = 1e-6;

    private Encoder() {
    }

    public static SDVariable forward(Params p, String prefix, SDVariable image, AutoencoderKLConfig c) {
        return forward(p, prefix, image, c, Size2d.UNKNOWN);
    }

    /**
     * As above with the image's static height and width (-1 when unknown): training graphs know them, and the
     * normalisations then take their static-shape forms ({@link GroupNorm}).
     */
    public static SDVariable forward(Params p, String prefix, SDVariable image, AutoencoderKLConfig c, Size2d size) {
        long height = size.height();
        long width = size.width();
        List<Integer> ch = c.blockOutChannels();
        int groups = c.normNumGroups();
        // 1. conv_in
        SDVariable h = Conv2d.forward(p, prefix + ".conv_in", image, c.inChannels(), ch.get(0), 3, 1, 1, true);
        // 2. down blocks: layers_per_block resnets, then a downsampler except after the last block
        int in = ch.get(0);
        for (int i = 0; i < ch.size(); i++) {
            int out = ch.get(i);
            String b = prefix + ".down_blocks." + i;
            for (int j = 0; j < c.layersPerBlock(); j++) {
                h = ResnetBlock2D.withoutTime(j == 0 ? in : out, out, groups, EPS).forward(p, b + ".resnets." + j, h, null,
                        new Size2d(height, width));
            }
            if (i < ch.size() - 1) {
                h = Downsample2D.forward(p, b + ".downsamplers.0", h, out, 0);
                // padding (0, 1, 0, 1), 3×3 stride 2: floor((n + 1 − 3) / 2) + 1
                height = height > 0 ? (height - 2) / 2 + 1 : -1;
                width = width > 0 ? (width - 2) / 2 + 1 : -1;
            }
            in = out;
        }
        // 3. mid block
        int top = ch.get(ch.size() - 1);
        Size2d bottom = new Size2d(height, width);
        h = new VaeMidBlock(top, groups, EPS, c.midBlockAddAttention()).forward(p, prefix + ".mid_block", h, bottom);
        // 4. post-process
        h = GroupNorm.of(groups, top, EPS).forward(p, prefix + ".conv_norm_out", h, bottom);
        h = Activations.silu(p.sameDiff(), h);
        return Conv2d.forward(p, prefix + ".conv_out", h, top, 2 * c.latentChannels(), 3, 1, 1, true);
    }
}
