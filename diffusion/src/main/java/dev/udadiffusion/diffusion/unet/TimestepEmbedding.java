package dev.udadiffusion.diffusion.unet;

import dev.udadiffusion.core.nn.Activations;
import dev.udadiffusion.core.nn.Linear;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;

/** diffusers {@code TimestepEmbedding}: linear_1 → SiLU → linear_2. */
public final class TimestepEmbedding {

    private TimestepEmbedding() {
    }

    public static SDVariable forward(Params p, String prefix, SDVariable x, int in, int dim) {
        SDVariable h = Linear.forward(p, prefix + ".linear_1", x, 2, in, dim, true);
        return Linear.forward(p, prefix + ".linear_2", Activations.silu(p.sameDiff(), h), 2, dim, dim, true);
    }
}
