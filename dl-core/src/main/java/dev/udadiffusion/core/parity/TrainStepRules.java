package dev.udadiffusion.core.parity;

import dev.udadiffusion.core.train.AdamW;
import dev.udadiffusion.core.train.Gradients;
import dev.udadiffusion.core.train.TrainingGraph;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The comparison rules the train-step fixtures' notes prescribe. Loss, gradients and forward outputs: max abs 1e−5,
 * relL2 1e−4. Parameters after one AdamW step: the first Adam step is ≈ −lr·sign(g), so an element whose reference
 * gradient is within gradient noise (|g| ≤ 1e−5) may legitimately step the other way; those elements are excluded and
 * the rest must agree to 1e−6 absolute.
 */
public final class TrainStepRules {

    private TrainStepRules() {
    }

    public static Tolerance tolerance(String output) {
        if (output.startsWith("out.param_after.")) {
            return new Tolerance(1e-6, 1e-4);
        }
        if (output.startsWith("out.param_before.")) {
            return Tolerance.EXACT;
        }
        return new Tolerance(1e-5, 1e-4);
    }

    public static ErrorMetrics compare(Fixture f, String output, INDArray got, INDArray ref) {
        if (!output.startsWith("out.param_after.")) {
            return ErrorMetrics.of(got, ref);
        }
        String gradName = "out.grad." + output.substring("out.param_after.".length());
        if (!f.io().contains(gradName)) {
            return ErrorMetrics.of(got, ref);
        }
        INDArray mask = Transforms.abs(f.expected(gradName).castTo(DataType.DOUBLE)).gt(1e-5).castTo(DataType.DOUBLE);
        INDArray g = got.castTo(DataType.DOUBLE).mul(mask);
        INDArray r = ref.castTo(DataType.DOUBLE).mul(mask);
        if (mask.sumNumber().doubleValue() == 0) {
            return new ErrorMetrics(0, 0);
        }
        return ErrorMetrics.of(g, r);
    }

    /**
     * Records what the train-step fixtures compare around one AdamW step: the global gradient norm, gradients (of
     * {@code selected_params}, or of all parameters when {@code allGrads}), the selected parameters before the step,
     * the step itself at {@code lr}, and the selected parameters after it — all in checkpoint layout.
     */
    public static void recordStep(Fixture f, TrainingGraph g,
            AdamW adam, Map<String, INDArray> grads, double lr, boolean allGrads,
            Map<String, INDArray> out) {
        out.put("out.grad_global_norm", scalar(Gradients.globalNorm(grads.values())));
        List<String> selected = new ArrayList<>();
        f.config().path("selected_params").forEach(n -> selected.add(n.asText()));
        for (String k : allGrads ? grads.keySet() : selected) {
            out.put("out.grad." + k, g.params().specs().get(k).layout().toTorch(grads.get(k)));
        }
        for (String k : selected) {
            out.put("out.param_before." + k, g.params().torchValue(k).dup());
        }
        adam.update(g.parameterArrays(), grads, lr);
        for (String k : selected) {
            out.put("out.param_after." + k, g.params().torchValue(k).dup());
        }
    }

    /** A float64 scalar. */
    public static INDArray scalar(double v) {
        return Nd4j.scalar(DataType.DOUBLE, v);
    }
}
