package dev.udadiffusion.diffusion.vae;

import dev.udadiffusion.diffusion.blocks.ResnetBlock2D;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;

/** diffusers {@code UNetMidBlock2D} as the VAE uses it: resnet, attention (optional), resnet; no time embedding. */
public final class VaeMidBlock {

    private VaeMidBlock() {
    }

    public static SDVariable forward(Params p, String prefix, SDVariable x, int channels, int groups, double eps,
            boolean attention, long height, long width) {
        SDVariable h = ResnetBlock2D.forward(p, prefix + ".resnets.0", x, channels, channels, null, 0, groups, eps, height,
                width);
        if (attention) {
            h = VaeAttentionBlock.forward(p, prefix + ".attentions.0", h, channels, groups, eps, height, width);
        }
        return ResnetBlock2D.forward(p, prefix + ".resnets.1", h, channels, channels, null, 0, groups, eps, height, width);
    }
}
