package dev.udadiffusion.core.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/** Activation functions with PyTorch's exact definitions. */
public final class Activations {

    private static final double INV_SQRT2 = 1.0 / Math.sqrt(2.0);

    private Activations() {
    }

    /**
     * Exact GELU, {@code 0.5 x (1 + erf(x / sqrt 2))} (torch {@code F.gelu}, approximate='none'). M2.1's
     * {@code sd.nn().gelu} is the sigmoid approximation and {@code preciseGelu} is wrong, so compose it.
     */
    public static SDVariable gelu(SameDiff sd, SDVariable x) {
        SDVariable erf = sd.math().erf(x.mul(INV_SQRT2));
        return x.mul(0.5).mul(erf.add(1.0));
    }

    /** CLIP's {@code quick_gelu}: {@code x * sigmoid(1.702 x)}. */
    public static SDVariable quickGelu(SameDiff sd, SDVariable x) {
        return x.mul(sd.nn().sigmoid(x.mul(1.702)));
    }

    /** SiLU / swish: {@code x * sigmoid(x)}. */
    public static SDVariable silu(SameDiff sd, SDVariable x) {
        return sd.nn().swish(x);
    }

    /** ReLU. */
    public static SDVariable relu(SameDiff sd, SDVariable x) {
        return sd.nn().relu(x, 0.0);
    }
}
