package dev.udadiffusion.diffusion.unet;

import dev.udadiffusion.core.nn.GEGLU;
import dev.udadiffusion.core.nn.Linear;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;

/** diffusers {@code FeedForward(dim, mult=4, activation_fn="geglu")}: net.0 = GEGLU(dim, 4·dim), net.2 = Linear(4·dim, dim). */
public final class FeedForward {

    private FeedForward() {
    }

    public static SDVariable forward(Params p, String prefix, SDVariable x, int dim, long tokens) {
        int inner = 4 * dim;
        long[] lead = tokens > 0 ? new long[] {tokens} : null;
        SDVariable h = GEGLU.forward(p, prefix + ".net.0", x, 3, dim, inner, lead);
        return Linear.forward(p, prefix + ".net.2", h, 3, inner, dim, true, lead);
    }
}
