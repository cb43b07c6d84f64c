package dev.udadiffusion.diffusion.unet;

import dev.udadiffusion.core.nn.Conv2d;
import dev.udadiffusion.core.nn.Timesteps;
import dev.udadiffusion.core.state.Params;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The first half of {@code UNet2DConditionModel.forward}, shared with ControlNet (whose parameters have the same
 * names): time embedding, conv_in, down blocks (collecting every skip tensor), mid block.
 */
public final class UNetEncoder {

    /** Skip tensors (conv_in output, then each ResNet/attention and downsampler output), mid-block output, time embedding. */
    public record Result(List<SDVariable> skips, SDVariable mid, SDVariable temb) {
    }

    private UNetEncoder() {
    }

    /**
     * @param afterConvIn applied to the conv_in output before it becomes the first skip (ControlNet adds its
     *                    conditioning embedding here); identity for the U-Net
     */
    public static Result forward(Params p, UNet2DConditionConfig c, SDVariable sample, SDVariable timesteps,
            SDVariable context, long h, long w, int queryChunk, UnaryOperator<SDVariable> afterConvIn) {
        SameDiff sd = p.sameDiff();
        List<Integer> ch = c.blockOutChannels();
        List<Integer> heads = c.heads();
        List<Integer> layers = c.transformerLayers();
        int n = ch.size();
        // 0. center input
        SDVariable x = c.centerInputSample() ? sample.mul(2.0).sub(1.0) : sample;
        // 1. time
        SDVariable tProj = Timesteps.sinusoidal(sd, timesteps, ch.get(0), c.flipSinToCos(), c.freqShift(), 10000, 1,
                DataType.FLOAT);
        SDVariable temb = TimestepEmbedding.forward(p, "time_embedding", tProj, ch.get(0), c.timeEmbedDim());
        UNetContext ctx = new UNetContext(p, temb, context, c, h, w, queryChunk);
        // 2. pre-process
        SDVariable hs = afterConvIn.apply(Conv2d.forward(p, "conv_in", x, c.inChannels(), ch.get(0), 3, 1, 1, true));
        List<SDVariable> skips = new ArrayList<>();
        skips.add(hs);
        // 3. down
        int in = ch.get(0);
        for (int i = 0; i < n; i++) {
            int out = ch.get(i);
            boolean last = i == n - 1;
            String prefix = "down_blocks." + i;
            if (c.downBlockTypes().get(i).equals("CrossAttnDownBlock2D")) {
                hs = CrossAttnDownBlock2D.forward(ctx, prefix, hs, in, out, heads.get(i), layers.get(i), i, !last, skips);
            } else {
                hs = DownBlock2D.forward(ctx, prefix, hs, in, out, i, !last, skips);
            }
            in = out;
        }
        // 4. mid
        int top = ch.get(n - 1);
        SDVariable mid = UNetMidBlock2DCrossAttn.forward(ctx, "mid_block", hs, top, heads.get(n - 1), layers.get(n - 1), n - 1);
        return new Result(skips, mid, temb);
    }
}
