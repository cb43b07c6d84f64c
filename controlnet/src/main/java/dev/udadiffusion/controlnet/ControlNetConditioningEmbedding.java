package dev.udadiffusion.controlnet;

import dev.udadiffusion.core.nn.Activations;
import dev.udadiffusion.core.nn.Conv2d;
import dev.udadiffusion.core.state.Init;
import dev.udadiffusion.core.state.Layout;
import dev.udadiffusion.core.state.Params;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * diffusers {@code ControlNetConditioningEmbedding}: conv_in (3×3) → SiLU → per step of the channel list a 3×3 conv
 * and a 3×3 stride-2 conv, each followed by SiLU → conv_out (3×3, zero-initialised) to the U-Net's first width.
 * Image resolution comes down by 2^(steps) = 8, to the latent resolution.
 */
final class ControlNetConditioningEmbedding {

    private ControlNetConditioningEmbedding() {
    }

    static SDVariable forward(Params p, String prefix, SDVariable cond, int condChannels, List<Integer> ch, int outChannels) {
        SameDiff sd = p.sameDiff();
        SDVariable h = Activations.silu(sd, Conv2d.forward(p, prefix + ".conv_in", cond, condChannels, ch.get(0), 3, 1, 1, true));
        int b = 0;
        for (int i = 0; i < ch.size() - 1; i++) {
            int cin = ch.get(i);
            int cout = ch.get(i + 1);
            h = Activations.silu(sd, Conv2d.forward(p, prefix + ".blocks." + b++, h, cin, cin, 3, 1, 1, true));
            h = Activations.silu(sd, Conv2d.forward(p, prefix + ".blocks." + b++, h, cin, cout, 3, 2, 1, true));
        }
        return zeroConv(p, prefix + ".conv_out", h, ch.get(ch.size() - 1), outChannels, 3, 1);
    }

    /** A convolution whose parameters start at zero (ControlNet's "zero convolution") unless loaded. */
    static SDVariable zeroConv(Params p, String prefix, SDVariable x, int in, int out, int kernel, int padding) {
        SDVariable w = p.get(prefix + ".weight", new long[] {out, in, kernel, kernel}, Layout.CONV2D, Init.zeros());
        SDVariable bias = p.get(prefix + ".bias", new long[] {out}, Layout.TORCH, Init.zeros());
        return Conv2d.apply(p.sameDiff(), x, w, bias, kernel, 1, padding);
    }
}
