package dev.udadiffusion.segformer.uda;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The mean teacher of DACS/DAFormer: an exponential moving average of the student's parameters (not of BatchNorm
 * buffers), with the weight of the past growing as 1 − 1/(i + 1) up to {@code alpha} (DAFormer: 0.999), so that at
 * iteration 0 the teacher becomes a copy of the student.
 */
public final class EmaTeacher {

    private EmaTeacher() {
    }

    /** α at iteration {@code iter}: min(1 − 1/(iter + 1), alpha). */
    public static double alpha(long iter, double alpha) {
        return Math.min(1 - 1.0 / (iter + 1), alpha);
    }

    /** teacher ← α·teacher + (1 − α)·student, for every parameter of the student, in place. */
    public static void update(Map<String, INDArray> teacher, Map<String, INDArray> student, long iter, double alpha) {
        double a = alpha(iter, alpha);
        for (Map.Entry<String, INDArray> e : student.entrySet()) {
            INDArray t = teacher.get(e.getKey());
            if (t == null) {
                throw new IllegalArgumentException("teacher has no parameter " + e.getKey());
            }
            t.muli(a).addi(e.getValue().mul(1 - a));
        }
    }
}
