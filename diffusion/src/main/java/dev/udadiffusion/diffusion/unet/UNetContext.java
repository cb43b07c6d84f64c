package dev.udadiffusion.diffusion.unet;

import dev.udadiffusion.core.nn.Size2d;
import dev.udadiffusion.core.state.Params;
import dev.udadiffusion.diffusion.blocks.ResnetBlock2D;
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

    /** The latent size at a level with {@code level} stride-2 steps. */
    Size2d size(int level) {
        return new Size2d(latentH >> level, latentW >> level);
    }

    /** diffusers' {@code ResnetBlock2D(in, out, temb_channels, groups, eps)} with this U-Net's settings. */
    ResnetBlock2D resnet(int in, int out) {
        return new ResnetBlock2D(in, out, config.timeEmbedDim(), groups(), eps());
    }

    /** diffusers' {@code Transformer2DModel(heads, channels // heads, channels, layers, cross_attention_dim, groups)}. */
    Transformer2DModel transformer(int channels, int heads, int layers) {
        return new Transformer2DModel(channels, heads, layers, config.crossDim(), groups(), config.useLinearProjection());
    }

    /** H·W tokens at a level with {@code downsamples} stride-2 steps. */
    long tokens(int downsamples) {
        return (latentH >> downsamples) * (latentW >> downsamples);
    }
}
