package dev.udadiffusion.segformer;

import dev.udadiffusion.core.nn.Conv2d;
import dev.udadiffusion.core.nn.LayerNorm;
import dev.udadiffusion.core.nn.Size2d;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * transformers {@code SegformerOverlapPatchEmbeddings}: a k×k convolution with stride s and padding k//2 (patches
 * overlap), flattened to tokens, then LayerNorm.
 */
record SegformerOverlapPatchEmbeddings(int inChannels, int hiddenSize, int patchSize, int stride) {

    /** [B, C, H, W] → tokens [B, h·w, hiddenSize] on the {@code out} grid. */
    SDVariable forward(Params p, String prefix, SDVariable x, Size2d out) {
        SDVariable e = Conv2d.forward(p, prefix + ".proj", x, inChannels, hiddenSize, patchSize, stride, patchSize / 2, true);
        SDVariable tokens = e.permute(0, 2, 3, 1).reshape(-1, out.tokens(), hiddenSize); // [B, C, h, w] -> [B, h*w, C]
        return LayerNorm.forward(p, prefix + ".layer_norm", tokens, 3, hiddenSize, SegformerModel.LN_EPS);
    }
}
