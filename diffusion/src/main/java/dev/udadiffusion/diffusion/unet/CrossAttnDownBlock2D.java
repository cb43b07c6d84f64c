package dev.udadiffusion.diffusion.unet;

import dev.udadiffusion.diffusion.blocks.Downsample2D;
import dev.udadiffusion.diffusion.blocks.ResnetBlock2D;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;

/** diffusers {@code CrossAttnDownBlock2D}: (ResNet → Transformer2DModel) × layers, then an optional Downsample2D. */
final class CrossAttnDownBlock2D {

    private CrossAttnDownBlock2D() {
    }

    static SDVariable forward(UNetContext c, String prefix, SDVariable x, int in, int out, int heads, int layers,
            int level, boolean downsample, List<SDVariable> skips) {
        SDVariable h = x;
        for (int j = 0; j < c.config().layersPerBlock(); j++) {
            h = ResnetBlock2D.forward(c.p(), prefix + ".resnets." + j, h, j == 0 ? in : out, out, c.temb(),
                    c.config().timeEmbedDim(), c.groups(), c.eps(), c.height(level), c.width(level));
            h = Transformer2DModel.forward(c.p(), prefix + ".attentions." + j, h, c.context(), out, heads, layers,
                    c.config().crossDim(), c.groups(), c.config().useLinearProjection(), c.height(level), c.width(level),
                    c.queryChunk());
            skips.add(h);
        }
        if (downsample) {
            h = Downsample2D.forward(c.p(), prefix + ".downsamplers.0", h, out, c.config().downsamplePadding());
            skips.add(h);
        }
        return h;
    }
}
