package dev.udadiffusion.controlnet.train;

import dev.udadiffusion.controlnet.ControlNetModel;
import dev.udadiffusion.core.nn.Graphs;
import dev.udadiffusion.core.state.Params;
import dev.udadiffusion.core.train.TrainingGraph;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ControlNet training with a frozen U-Net (the thesis trains it with the frozen <em>source</em> U-Net): one graph
 * holding both models — the U-Net's variables named {@code unet/<key>} and never trained — where
 * pred = U-Net(noisy, t, text, residuals = ControlNet(noisy, t, text, cond)) and loss = mean((pred − target)²).
 */
public final class ControlNetTraining {

    public static final String NOISY = "noisy";
    public static final String TARGET = "target";
    public static final String PRED = "pred";
    public static final String LOSS = "loss";
    public static final String UNET_PREFIX = "unet/";

    /** Which ControlNet parameters train: all, or only the zero convolutions ("lightweight ControlNet", thesis §5.1). */
    public static final Predicate<String> ALL = k -> true;
    public static final Predicate<String> ZERO_CONVS_ONLY = ControlNetModel::isZeroConvolution;

    private ControlNetTraining() {
    }

    public static TrainingGraph graph(ControlNetModel cn, UNet2DConditionModel unet, long h, long w,
            Predicate<String> trainable, double conditioningScale) {
        SameDiff sd = Graphs.newTrainingSameDiff();
        Params cp = Params.shared(sd, cn.params());
        Params up = Params.shared(sd, unet.params(), UNET_PREFIX);
        var c = unet.config();
        SDVariable noisy = sd.placeHolder(NOISY, DataType.FLOAT, -1, c.inChannels(), h, w);
        SDVariable t = sd.placeHolder(UNet2DConditionModel.TIMESTEPS, DataType.FLOAT, -1);
        SDVariable ctx = sd.placeHolder(UNet2DConditionModel.CONTEXT, DataType.FLOAT, -1, -1, c.crossDim());
        SDVariable cond = sd.placeHolder(ControlNetModel.COND, DataType.FLOAT, -1, cn.config().conditioningChannels(),
                h * cn.config().downscale(), w * cn.config().downscale());
        SDVariable target = sd.placeHolder(TARGET, DataType.FLOAT, -1, c.outChannels(), h, w);
        int n = unet.skipCount() + 1;
        float[] s = new float[n];
        Arrays.fill(s, (float) conditioningScale);
        SDVariable scales = sd.constant(Nd4j.createFromArray(s));
        List<SDVariable> res = cn.buildOn(cp, noisy, t, ctx, cond, scales, h, w);
        SDVariable pred = sd.identity(PRED, unet.buildOn(up, noisy, t, ctx, res.subList(0, n - 1), res.get(n - 1), h, w));
        SDVariable d = pred.sub(target);
        d.mul(d).mean(LOSS);
        Map<String, String> train = new LinkedHashMap<>();
        for (String k : cp.specs().keySet()) {
            if (trainable.test(k)) {
                train.put(k, cp.varName(k));
            }
        }
        return new TrainingGraph(sd, LOSS, train, cp);
    }
}
