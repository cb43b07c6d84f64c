package dev.udadiffusion.diffusion.blocks;

import dev.udadiffusion.core.nn.Conv2d;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * diffusers {@code Downsample2D} with a conv: 3×3 stride 2. The U-Net uses padding 1; the VAE encoder uses padding 0
 * after an asymmetric zero pad of one column on the right and one row at the bottom ({@code F.pad(x, (0, 1, 0, 1))}).
 */
public final class Downsample2D {

    private Downsample2D() {
    }

    public static SDVariable forward(Params p, String prefix, SDVariable x, int channels, int padding) {
        SDVariable in = padding == 0 ? Conv2d.pad(p.sameDiff(), x, 0, 1, 0, 1) : x;
        return Conv2d.forward(p, prefix + ".conv", in, channels, channels, 3, 2, padding, true);
    }
}
