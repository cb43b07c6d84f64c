package dev.udadiffusion.core.train;

import dev.udadiffusion.core.nn.Graphs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.custom.Flatten;

/**
 * All trainable gradients as one output of the gradient function (a {@code flatten} op appended to it), handed out
 * as per-parameter views.
 *
 * <p>Why: M2.1's session checks each requested output against a fresh copy of the whole variable map
 * ({@code AbstractSession.output} calls {@code SameDiff.variableMap()} per name). Requesting a toy U-Net's 324
 * gradients copied its gradient graph's ≈ 10,000-entry map 324 times per step — 39 % of the step's Java time. One
 * output costs one copy.
 */
final class FlatGradients {

    static final String OUTPUT = "udadiff_flat_gradients";

    private final List<String> keys = new ArrayList<>();
    private final List<long[]> shapes = new ArrayList<>();

    private FlatGradients() {
    }

    /**
     * Appends the flatten op to {@code graph}'s gradient function (creating that function if needed), or returns null
     * when the trainable gradients do not share one data type (the caller then requests them one by one).
     */
    static FlatGradients attach(TrainingGraph graph) {
        SameDiff sd = graph.sd();
        if (sd.getFunction("grad") == null) {
            Graphs.quietly(() -> {
                sd.createGradFunction();
                return null;
            });
        }
        SameDiff grad = sd.getFunction("grad");
        FlatGradients f = new FlatGradients();
        List<SDVariable> inputs = new ArrayList<>();
        DataType dt = null;
        for (Map.Entry<String, String> e : graph.trainable().entrySet()) {
            SDVariable g = sd.getVariable(e.getValue()).getGradient();
            if (g == null) {
                continue; // the loss does not depend on it: no gradient, as torch's grad None
            }
            SDVariable p = sd.getVariable(e.getValue());
            if (dt != null && p.dataType() != dt) {
                return null;
            }
            dt = p.dataType();
            inputs.add(grad.getVariable(g.name()));
            f.keys.add(e.getKey());
            f.shapes.add(sd.getArrForVarName(e.getValue()).shape());
        }
        if (inputs.isEmpty()) {
            return null;
        }
        if (!grad.hasVariable(OUTPUT)) {
            new Flatten(grad, 'c', inputs.toArray(new SDVariable[0])).outputVariable().rename(OUTPUT);
        }
        return f;
    }

    /** Per-parameter views (by checkpoint key) of the flat gradient output. */
    Map<String, INDArray> views(INDArray flat) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        long offset = 0;
        for (int i = 0; i < keys.size(); i++) {
            long[] shape = shapes.get(i);
            out.put(keys.get(i), FlatViews.view(flat, offset, shape));
            offset += Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        }
        if (offset != flat.length()) {
            throw new IllegalStateException("flat gradients hold " + flat.length() + " values, the parameters "
                    + offset);
        }
        return out;
    }
}
