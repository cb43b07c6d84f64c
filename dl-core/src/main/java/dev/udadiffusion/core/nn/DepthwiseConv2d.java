package dev.udadiffusion.core.nn;

import dev.udadiffusion.core.state.Init;
import dev.udadiffusion.core.state.Layout;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;

/**
 * Depthwise {@code torch.nn.Conv2d(C, C, k, groups=C)}: {@code prefix.weight} [C, 1, k, k] (graph layout
 * [k, k, C, 1]; passing torch layout with OIYX crashes in M2.1) and {@code prefix.bias} [C].
 */
public final class DepthwiseConv2d {

    private DepthwiseConv2d() {
    }

    public static SDVariable forward(Params p, String prefix, SDVariable x, int channels, int kernel, int stride,
            int padding, boolean bias) {
        long fanIn = (long) kernel * kernel;
        SDVariable w = p.get(prefix + ".weight", new long[] {channels, 1, kernel, kernel}, Layout.DEPTHWISE,
                Init.torchDefault(fanIn));
        SDVariable b = bias ? p.get(prefix + ".bias", new long[] {channels}, Layout.TORCH, Init.torchDefault(fanIn)) : null;
        Conv2DConfig cfg = Conv2DConfig.builder().kH(kernel).kW(kernel).sH(stride).sW(stride).pH(padding).pW(padding)
                .dH(1).dW(1).paddingMode(PaddingMode.VALID).dataFormat("NCHW").build();
        return b == null ? p.sameDiff().cnn().depthWiseConv2d(x, w, cfg) : p.sameDiff().cnn().depthWiseConv2d(x, w, b, cfg);
    }
}
