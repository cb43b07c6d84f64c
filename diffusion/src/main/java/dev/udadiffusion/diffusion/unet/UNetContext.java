package dev.udadiffusion.diffusion.unet;

import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * What every U-Net block needs besides its own input: parameters, time embedding, text context, config-wide
 * settings, and the latent size the graph is built for (to know token counts for attention chunking).
 */
record UNetContext(Params p, SDVariable temb, SDVariable context, UNet2DConditionConfig config, long latentH,
        long latentW, int queryChunk) {

    int groups() {
        return config.normNumGroups();
    }

    double eps() {
        return config.normEps();
    }

    long height(int level) {
        return latentH >> level;
    }

    long width(int level) {
        return latentW >> level;
    }

    /** H·W tokens at a level with {@code downsamples} stride-2 steps. */
    long tokens(int downsamples) {
        return (latentH >> downsamples) * (latentW >> downsamples);
    }
}
