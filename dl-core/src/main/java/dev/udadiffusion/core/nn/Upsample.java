package dev.udadiffusion.core.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/** Nearest-neighbour 2× upsampling of NCHW input ({@code F.interpolate(scale_factor=2, mode="nearest")}). */
public final class Upsample {

    private Upsample() {
    }

    public static SDVariable nearest2x(SameDiff sd, SDVariable x) {
        return sd.cnn().upsampling2d(x, 2, 2, true);
    }
}
