package dev.udadiffusion.diffusion.blocks;

import dev.udadiffusion.core.nn.Conv2d;
import dev.udadiffusion.core.nn.Upsample;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;

/** diffusers {@code Upsample2D} with a conv: nearest 2× then 3×3 conv, padding 1. */
public final class Upsample2D {

    private Upsample2D() {
    }

    public static SDVariable forward(Params p, String prefix, SDVariable x, int channels) {
        SDVariable up = Upsample.nearest2x(p.sameDiff(), x);
        return Conv2d.forward(p, prefix + ".conv", up, channels, channels, 3, 1, 1, true);
    }
}
