package dev.udadiffusion.diffusion.train;

import dev.udadiffusion.core.nn.Graphs;
import dev.udadiffusion.core.state.Params;
import dev.udadiffusion.core.train.TrainingGraph;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The noise-prediction training graph of a U-Net (DreamBooth-style fine-tuning): placeholders {@code noisy},
 * {@code timesteps}, {@code encoder_hidden_states}, {@code target}; {@code pred} = U-Net(noisy, t, text);
 * {@code loss} = mean((pred − target)²) over all elements (F.mse_loss). The graph shares the model's arrays.
 */
public final class UNetTraining {

    public static final String NOISY = "noisy";
    public static final String TARGET = "target";
    public static final String PRED = "pred";
    public static final String LOSS = "loss";
    /** Per-sample loss weights [B, 1, 1, 1] of the {@link #weightedGraph}. */
    public static final String LOSS_WEIGHT = "loss_weight";

    private UNetTraining() {
    }

    public static TrainingGraph graph(UNet2DConditionModel unet, long h, long w, Predicate<String> trainable) {
        return build(unet, h, w, trainable, false);
    }

    /**
     * As {@link #graph}, with {@code loss} = mean(w_b · (pred − target)²) for per-sample weights {@code loss_weight}
     * — DreamBooth's prior preservation: instance half weighted 2, class half 2λ gives mse(instance) + λ·mse(prior).
     */
    public static TrainingGraph weightedGraph(UNet2DConditionModel unet, long h, long w, Predicate<String> trainable) {
        return build(unet, h, w, trainable, true);
    }

    private static TrainingGraph build(UNet2DConditionModel unet, long h, long w, Predicate<String> trainable,
            boolean weighted) {
        SameDiff sd = Graphs.newTrainingSameDiff();
        Params p = Params.shared(sd, unet.params());
        var c = unet.config();
        SDVariable noisy = sd.placeHolder(NOISY, DataType.FLOAT, -1, c.inChannels(), h, w);
        SDVariable t = sd.placeHolder(UNet2DConditionModel.TIMESTEPS, DataType.FLOAT, -1);
        SDVariable ctx = sd.placeHolder(UNet2DConditionModel.CONTEXT, DataType.FLOAT, -1, -1, c.crossDim());
        SDVariable target = sd.placeHolder(TARGET, DataType.FLOAT, -1, c.outChannels(), h, w);
        SDVariable pred = sd.identity(PRED, unet.buildOn(p, noisy, t, ctx, null, null, h, w));
        SDVariable d = pred.sub(target);
        SDVariable sq = d.mul(d);
        if (weighted) {
            sq = sq.mul(sd.placeHolder(LOSS_WEIGHT, DataType.FLOAT, -1, 1, 1, 1));
        }
        sq.mean(LOSS);
        Map<String, String> train = new LinkedHashMap<>();
        for (String k : p.specs().keySet()) {
            if (trainable.test(k)) {
                train.put(k, p.varName(k));
            }
        }
        return new TrainingGraph(sd, LOSS, train, p);
    }
}
