package dev.udadiffusion.diffusion.unet;

import dev.udadiffusion.diffusion.blocks.Downsample2D;
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
            h = c.resnet(j == 0 ? in : out, out).forward(c.p(), prefix + ".resnets." + j, h, c.temb(), c.size(level));
            h = c.transformer(out, heads, layers).forward(c.p(), prefix + ".attentions." + j, h, c.context(), c.size(level),
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
