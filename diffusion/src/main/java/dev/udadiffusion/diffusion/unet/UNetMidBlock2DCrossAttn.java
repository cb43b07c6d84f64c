package dev.udadiffusion.diffusion.unet;

import dev.udadiffusion.diffusion.blocks.ResnetBlock2D;
import org.nd4j.autodiff.samediff.SDVariable;

/** diffusers {@code UNetMidBlock2DCrossAttn} (one attention layer): ResNet → Transformer2DModel → ResNet. */
final class UNetMidBlock2DCrossAttn {

    private UNetMidBlock2DCrossAttn() {
    }

    static SDVariable forward(UNetContext c, String prefix, SDVariable x, int channels, int heads, int layers, int level) {
        ResnetBlock2D resnet = c.resnet(channels, channels);
        SDVariable h = resnet.forward(c.p(), prefix + ".resnets.0", x, c.temb(), c.size(level));
        h = c.transformer(channels, heads, layers).forward(c.p(), prefix + ".attentions.0", h, c.context(), c.size(level),
                c.queryChunk());
        return resnet.forward(c.p(), prefix + ".resnets.1", h, c.temb(), c.size(level));
    }
}
