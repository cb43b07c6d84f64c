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

    private SegformerTrainingGraph() {
    }

    public static TrainingGraph of(SegformerModel model, long h, long w) {
        Params p = Params.shared(Graphs.newTrainingSameDiff(), model.params());
        SameDiff sd = model.buildOn(p, h, w, new String[] {BN_MEAN, BN_VAR}).sd();
        SDVariable target = sd.placeHolder(TARGET, DataType.FLOAT, -1, model.config().numLabels(), h, w);
        SDVariable nValid = sd.placeHolder(N_VALID, DataType.FLOAT);
        Losses.crossEntropyOneHot(sd, sd.getVariable(SegformerModel.UPSAMPLED), target, nValid).rename(LOSS);
        Map<String, String> trained = new LinkedHashMap<>();
        for (String k : p.specs().keySet()) {
            if (!k.contains("running_")) { // BatchNorm buffers: updated from the batch statistics, not trained
                trained.put(k, p.varName(k));
            }
        }
        return new TrainingGraph(sd, LOSS, trained, p);
    }
}
