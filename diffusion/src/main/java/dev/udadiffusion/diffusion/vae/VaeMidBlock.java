package dev.udadiffusion.diffusion.vae;

import dev.udadiffusion.core.nn.Size2d;
import dev.udadiffusion.core.state.Params;
import dev.udadiffusion.diffusion.blocks.ResnetBlock2D;
import org.nd4j.autodiff.samediff.SDVariable;

/** diffusers {@code UNetMidBlock2D} as the VAE uses it: resnet, attention (optional), resnet; no time embedding. */
public record VaeMidBlock(int channels, int groups, double eps, boolean attention) {

    public SDVariable forward(Params p, String prefix, SDVariable x, Size2d size) {
        ResnetBlock2D resnet = ResnetBlock2D.withoutTime(channels, channels, groups, eps);
        SDVariable h = resnet.forward(p, prefix + ".resnets.0", x, null, size);
        if (attention) {
            h = new VaeAttentionBlock(channels, groups, eps).forward(p, prefix + ".attentions.0", h, size);
        }
        return resnet.forward(p, prefix + ".resnets.1", h, null, size);
    }
}
