package dev.udadiffusion.core.nn;

import dev.udadiffusion.core.state.Init;
import dev.udadiffusion.core.state.Layout;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code torch.nn.Conv2d} on NCHW input: parameters {@code prefix.weight} [out, in, k, k] (held as YXIO in the graph,
 * see {@link Layout#CONV2D}) and {@code prefix.bias} [out]. Symmetric zero padding; use {@link #pad} for asymmetric.
 */
public final class Conv2d {

    private Conv2d() {
    }

    public static SDVariable forward(Params p, String prefix, SDVariable x, int in, int out, int kernel, int stride,
            int padding, boolean bias) {
        long fanIn = (long) in * kernel * kernel;
        SDVariable w = p.get(prefix + ".weight", new long[] {out, in, kernel, kernel}, Layout.CONV2D,
                Init.torchDefault(fanIn));
        SDVariable b = bias ? p.get(prefix + ".bias", new long[] {out}, Layout.TORCH, Init.torchDefault(fanIn)) : null;
        return apply(p.sameDiff(), x, w, b, kernel, stride, padding);
    }

    /** Conv with given YXIO weights (and optional bias). */
    public static SDVariable apply(SameDiff sd, SDVariable x, SDVariable wYxio, SDVariable b, int kernel, int stride,
            int padding) {
        Conv2DConfig cfg = Conv2DConfig.builder().kH(kernel).kW(kernel).sH(stride).sW(stride).pH(padding).pW(padding)
                .dH(1).dW(1).paddingMode(PaddingMode.VALID).dataFormat("NCHW").weightsFormat(WeightsFormat.YXIO).build();
        return b == null ? sd.cnn().conv2d(x, wYxio, cfg) : sd.cnn().conv2d(x, wYxio, b, cfg);
    }

    /** Zero padding of an NCHW tensor: {@code left, right, top, bottom} as torch's {@code F.pad(x, (l, r, t, b))}. */
    public static SDVariable pad(SameDiff sd, SDVariable x, int left, int right, int top, int bottom) {
        SDVariable pads = sd.constant(Nd4j.createFromArray(new int[][] {{0, 0}, {0, 0}, {top, bottom}, {left, right}}));
        return sd.nn().pad(x, pads, 0.0);
    }
}
