package dev.udadiffusion.segformer.train;

import dev.udadiffusion.core.nn.Graphs;
import dev.udadiffusion.core.nn.Losses;
import dev.udadiffusion.core.state.Params;
import dev.udadiffusion.core.train.TrainingGraph;
import dev.udadiffusion.segformer.SegformerModel;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A SegFormer's training graph for h×w crops, sharing the model's arrays: BatchNorm on batch statistics (outputs
 * {@link #BN_MEAN}, {@link #BN_VAR} for the running averages) and cross-entropy with ignored pixels,
 * {@code loss = −Σ target_onehot · log_softmax(upsampled logits) / n_valid}, where the one-hot target is all zeros at
 * ignored pixels (mmseg's mean over the valid pixels when n_valid counts them).
 */
public final class SegformerTrainingGraph {

    public static final String LOSS = "segformer.loss";
    public static final String TARGET = "target_onehot";
    public static final String N_VALID = "n_valid";
    public static final String BN_MEAN = "segformer.bn.batch_mean";
    public static final String BN_VAR = "segformer.bn.batch_var_biased";
    /** Feature distance (DAFormer's ImageNet term, {@link #withFeatureDistance}): the reference model's last-stage features. */
    public static final String FD_FEATURES = "fd_imnet_features";
    /** [B, h, w] 1 where the distance counts (thing classes), else 0. */
    public static final String FD_MASK = "fd_mask";
    /** λ / (pixels in the mask), or 0 for a batch without the term. */
    public static final String FD_SCALE = "fd_scale";
    /** The feature-distance term alone (an output for logging). */
    public static final String FD_LOSS = "segformer.loss_feat_dist";
    /** The last encoder stage's output [B, C, h, w] (what DAFormer's feature distance compares). */
    public static final String LAST_FEATURES_PREFIX = "segformer.hidden_states.";

    private SegformerTrainingGraph() {
    }

    public static TrainingGraph of(SegformerModel model, long h, long w) {
        return of(model, h, w, false);
    }

    /**
     * As {@link #of(SegformerModel, long, long)}, plus (with {@code featureDistance}) DAFormer's ImageNet feature
     * distance added to the loss: {@code FD_SCALE · Σ FD_MASK · ‖f − FD_FEATURES‖₂} over the last stage's positions,
     * f the student's last-stage features; the norm is √(Σ (f − g)² + 1e-12), so its gradient is 0, not NaN, where the
     * features agree (as torch.norm's).
     */
    public static TrainingGraph withFeatureDistance(SegformerModel model, long h, long w) {
        return of(model, h, w, true);
    }

    private static TrainingGraph of(SegformerModel model, long h, long w, boolean featureDistance) {
        Params p = Params.shared(Graphs.newTrainingSameDiff(), model.params());
        SegformerModel.Graph built = model.buildOn(p, h, w, new String[] {BN_MEAN, BN_VAR});
        SameDiff sd = built.sd();
        SDVariable target = sd.placeHolder(TARGET, DataType.FLOAT, -1, model.config().numLabels(), h, w);
        SDVariable nValid = sd.placeHolder(N_VALID, DataType.FLOAT);
        SDVariable ce = Losses.crossEntropyOneHot(sd, sd.getVariable(SegformerModel.UPSAMPLED), target, nValid);
        if (featureDistance) {
            int last = model.config().numEncoderBlocks() - 1;
            long[] grid = built.stageSizes()[last];
            SDVariable ref = sd.placeHolder(FD_FEATURES, DataType.FLOAT, -1, model.config().hiddenSizes().get(last), grid[0], grid[1]);
            SDVariable mask = sd.placeHolder(FD_MASK, DataType.FLOAT, -1, grid[0], grid[1]);
            SDVariable scale = sd.placeHolder(FD_SCALE, DataType.FLOAT);
            SDVariable diff = sd.getVariable(LAST_FEATURES_PREFIX + last).sub(ref);
            SDVariable norm = sd.math().sqrt(diff.mul(diff).sum(1).add(1e-12));
            SDVariable fd = norm.mul(mask).sum().mul(scale).rename(FD_LOSS);
            ce.add(fd).rename(LOSS);
        } else {
            ce.rename(LOSS);
        }
        Map<String, String> trained = new LinkedHashMap<>();
        for (String k : p.specs().keySet()) {
            if (!k.contains("running_")) { // BatchNorm buffers: updated from the batch statistics, not trained
                trained.put(k, p.varName(k));
            }
        }
        return new TrainingGraph(sd, LOSS, trained, p);
    }
}
