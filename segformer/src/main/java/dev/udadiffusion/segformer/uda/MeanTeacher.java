package dev.udadiffusion.segformer.uda;

import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.safetensors.SafetensorsWriter;
import dev.udadiffusion.core.train.TrainingGraph;
import dev.udadiffusion.segformer.SegformerModel;
import dev.udadiffusion.segformer.train.SegformerTrainingGraph;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DACS's teacher: a second SegFormer whose parameters follow the student's by {@link EmaTeacher} (a copy at iteration
 * 0), run in train mode as the reference runs it (BatchNorm on the batch's statistics, its running buffers updated by
 * each forward; no dropout exists in this model) to produce the pseudo-labels' class probabilities.
 */
public final class MeanTeacher implements AutoCloseable {

    private final SegformerModel model;
    private final TrainingGraph graph;
    private final long bnCount;

    /** A teacher for h×w crops with the student's architecture (its parameters are set by the first {@link #follow}). */
    public MeanTeacher(SegformerModel student, int h, int w) {
        this.model = SegformerModel.random(student.config(), 0);
        this.graph = SegformerTrainingGraph.of(model, h, w);
        this.bnCount = (long) (h / 4) * (w / 4);
    }

    public SegformerModel model() {
        return model;
    }

    /**
     * The reference's update at the start of iteration {@code iter}: at 0 the student's parameters are copied (and its
     * BatchNorm buffers, so the teacher of a pre-trained student starts from its statistics; the reference builds the
     * teacher anew, which is the same for a fresh student), later teacher ← α·teacher + (1 − α)·student with
     * α = min(1 − 1/(iter + 1), {@code alpha}); buffers are not averaged.
     */
    public void follow(SegformerModel student, Map<String, INDArray> studentParameters, long iter, double alpha) {
        if (iter == 0) {
            student.params().specs().keySet().forEach(k -> model.params().array(k).assign(student.params().array(k)));
            return;
        }
        Map<String, INDArray> teacher = new LinkedHashMap<>();
        studentParameters.keySet().forEach(k -> teacher.put(k, model.params().array(k)));
        EmaTeacher.update(teacher, studentParameters, iter, alpha);
    }

    /** Softmax of the upsampled logits [B, C, H, W] for normalised images [B, 3, H, W]; updates the running statistics. */
    public INDArray probabilities(INDArray pixels) {
        Map<String, INDArray> out = graph.sd().output(Map.of(SegformerModel.PIXELS, pixels),
                SegformerModel.UPSAMPLED, SegformerTrainingGraph.BN_MEAN, SegformerTrainingGraph.BN_VAR);
        model.updateRunningStats(out.get(SegformerTrainingGraph.BN_MEAN), out.get(SegformerTrainingGraph.BN_VAR),
                pixels.size(0) * bnCount);
        return softmaxChannels(out.get(SegformerModel.UPSAMPLED));
    }

    /** torch.softmax(x, dim=1) of [B, C, H, W]: exp(x − max) / Σ exp(x − max). */
    static INDArray softmaxChannels(INDArray logits) {
        long[] shape = logits.shape();
        int b = (int) shape[0];
        int c = (int) shape[1];
        int n = (int) (shape[2] * shape[3]);
        float[] x = logits.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').data().asFloat();
        for (int i = 0; i < b; i++) {
            for (int p = 0; p < n; p++) {
                int base = i * c * n + p;
                float max = Float.NEGATIVE_INFINITY;
                for (int k = 0; k < c; k++) {
                    max = Math.max(max, x[base + k * n]);
                }
                float sum = 0;
                for (int k = 0; k < c; k++) {
                    float e = (float) Math.exp(x[base + k * n] - max);
                    x[base + k * n] = e;
                    sum += e;
                }
                for (int k = 0; k < c; k++) {
                    x[base + k * n] /= sum;
                }
            }
        }
        return Nd4j.create(x, shape, 'c');
    }

    /** Writes every array (graph layout, by checkpoint key) to {@code dir/teacher.safetensors}. */
    public void saveState(Path dir) {
        Map<String, INDArray> all = new LinkedHashMap<>();
        model.params().specs().keySet().forEach(k -> all.put(k, model.params().array(k)));
        SafetensorsWriter.write(dir.resolve("teacher.safetensors"), all, Map.of("format", "udadiff-teacher"));
    }

    /** Reads what {@link #saveState} wrote. */
    public void restoreState(Path dir) {
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("teacher.safetensors"))) {
            for (String k : model.params().specs().keySet()) {
                model.params().array(k).assign(f.load(k));
            }
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
