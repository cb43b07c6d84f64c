package dev.udadiffusion.diffusion.unet;

import dev.udadiffusion.diffusion.blocks.ResnetBlock2D;
import org.nd4j.autodiff.samediff.SDVariable;

/** diffusers {@code UNetMidBlock2DCrossAttn} (one attention layer): ResNet → Transformer2DModel → ResNet. */
final class UNetMidBlock2DCrossAttn {

    private UNetMidBlock2DCrossAttn() {
    }

    static SDVariable forward(UNetContext c, String prefix, SDVariable x, int channels, int heads, int layers, int level) {
        int t = c.config().timeEmbedDim();
        long hh = c.height(level);
        long ww = c.width(level);
        SDVariable h = ResnetBlock2D.forward(c.p(), prefix + ".resnets.0", x, channels, channels, c.temb(), t, c.groups(),
                c.eps(), hh, ww);
        h = Transformer2DModel.forward(c.p(), prefix + ".attentions.0", h, c.context(), channels, heads, layers,
                c.config().crossDim(), c.groups(), c.config().useLinearProjection(), hh, ww, c.queryChunk());
        return ResnetBlock2D.forward(c.p(), prefix + ".resnets.1", h, channels, channels, c.temb(), t, c.groups(), c.eps(),
                hh, ww);
    }
}
