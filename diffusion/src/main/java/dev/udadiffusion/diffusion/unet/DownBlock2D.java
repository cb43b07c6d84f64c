package dev.udadiffusion.diffusion.unet;

import dev.udadiffusion.diffusion.blocks.Downsample2D;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;

/** diffusers {@code DownBlock2D}: ResNets, then an optional Downsample2D; every output is a skip tensor. */
final class DownBlock2D {

    private DownBlock2D() {
    }

    static SDVariable forward(UNetContext c, String prefix, SDVariable x, int in, int out, int level, boolean downsample,
            List<SDVariable> skips) {
        SDVariable h = x;
        for (int j = 0; j < c.config().layersPerBlock(); j++) {
            h = c.resnet(j == 0 ? in : out, out).forward(c.p(), prefix + ".resnets." + j, h, c.temb(), c.size(level));
            skips.add(h);
        }
        if (downsample) {
            h = Downsample2D.forward(c.p(), prefix + ".downsamplers.0", h, out, c.config().downsamplePadding());
            skips.add(h);
        }
        return h;
    }
}
