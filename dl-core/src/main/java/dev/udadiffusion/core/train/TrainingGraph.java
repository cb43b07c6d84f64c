package dev.udadiffusion.core.train;

import dev.udadiffusion.core.state.Params;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A graph with a scalar loss and the parameters to train: {@code trainable} maps checkpoint keys to SameDiff variable
 * names (whose arrays are the model's own, so updates land in the model).
 */
public record TrainingGraph(SameDiff sd, String loss, Map<String, String> trainable, Params params) {

    public TrainingGraph {
        trainable = Map.copyOf(new LinkedHashMap<>(trainable));
        sd.setLossVariables(loss);
    }

    /** The live parameter arrays by checkpoint key. */
    public Map<String, INDArray> parameterArrays() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        trainable.forEach((k, v) -> m.put(k, sd.getArrForVarName(v)));
        return m;
    }
}
