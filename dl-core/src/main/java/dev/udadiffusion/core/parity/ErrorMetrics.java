package dev.udadiffusion.core.parity;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Error of an output against its reference, in double precision. */
public record ErrorMetrics(double maxAbs, double relL2) {

    /** Both arrays must have the same shape; NaN anywhere gives NaN errors (which never pass). */
    public static ErrorMetrics of(INDArray got, INDArray ref) {
        if (!Arrays.equals(got.shape(), ref.shape())) {
            throw new IllegalArgumentException("shape " + Arrays.toString(got.shape()) + " vs reference "
                    + Arrays.toString(ref.shape()));
        }
        double[] g = got.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] r = ref.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double max = 0;
        double diff2 = 0;
        double ref2 = 0;
        for (int i = 0; i < g.length; i++) {
            double d = g[i] - r[i];
            if (Double.isNaN(d)) {
                return new ErrorMetrics(Double.NaN, Double.NaN);
            }
            max = Math.max(max, Math.abs(d));
            diff2 += d * d;
            ref2 += r[i] * r[i];
        }
        double rel = ref2 == 0 ? (diff2 == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.sqrt(diff2 / ref2);
        return new ErrorMetrics(max, rel);
    }
}
