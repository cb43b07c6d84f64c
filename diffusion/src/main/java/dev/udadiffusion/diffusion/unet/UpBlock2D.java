package dev.udadiffusion.diffusion.unet;

import dev.udadiffusion.diffusion.blocks.Upsample2D;
import java.util.Deque;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * diffusers {@code UpBlock2D} and, with {@code heads > 0}, {@code CrossAttnUpBlock2D}: for each of layers_per_block + 1
 * layers, concatenate the next skip tensor on channels, ResNet (then Transformer2DModel); then an optional Upsample2D.
 */
final class UpBlock2D {

    private UpBlock2D() {
    }

    /**
     * @param prevOut  channels coming from the block below
     * @param out      this block's channels
     * @param skipIn   channels of this block's last skip (the input channels of the matching down block)
     * @param skips    remaining skip tensors, popped from the end
     */
    static SDVariable forward(UNetContext c, String prefix, SDVariable x, int prevOut, int out, int skipIn, int heads,
            int layers, int level, boolean upsample, Deque<SDVariable> skips) {
        SDVariable h = x;
        int n = c.config().layersPerBlock() + 1;
        for (int j = 0; j < n; j++) {
            SDVariable skip = skips.removeLast();
            int skipCh = j == n - 1 ? skipIn : out;
            int inCh = j == 0 ? prevOut : out;
            h = c.p().sameDiff().concat(1, h, skip); // [B, inCh + skipCh, H, W]
            h = c.resnet(inCh + skipCh, out).forward(c.p(), prefix + ".resnets." + j, h, c.temb(), c.size(level));
            if (heads > 0) {
                h = c.transformer(out, heads, layers).forward(c.p(), prefix + ".attentions." + j, h, c.context(),
                        c.size(level), c.queryChunk());
            }
        }
        if (upsample) {
            h = Upsample2D.forward(c.p(), prefix + ".upsamplers.0", h, out);
        }
        return h;
    }
}
