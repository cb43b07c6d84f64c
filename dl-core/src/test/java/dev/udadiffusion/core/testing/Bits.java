package dev.udadiffusion.core.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.udadiffusion.core.state.Params;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Bit-for-bit comparisons (INDArray.equals allows 1e-5). */
public final class Bits {

    private Bits() {
    }

    public static void assertIdentical(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        assertEquals(expected.dataType(), actual.dataType(), what + ": data type");
        int[] e = bits(expected);
        int[] a = bits(actual);
        for (int i = 0; i < e.length; i++) {
            if (e[i] != a[i]) {
                throw new AssertionError(what + ": element " + i + " differs: " + Float.intBitsToFloat(e[i]) + " vs "
                        + Float.intBitsToFloat(a[i]));
            }
        }
    }

    /** Every parameter of {@code expected} exists in {@code actual} with the same bits, and no other one. */
    public static void assertSameParams(Params expected, Params actual) {
        assertEquals(expected.specs().keySet(), actual.specs().keySet(), "parameter names");
        for (String k : expected.specs().keySet()) {
            assertIdentical(expected.torchValue(k), actual.torchValue(k), k);
        }
    }

    private static int[] bits(INDArray x) {
        float[] f = x.castTo(DataType.FLOAT).dup('c').data().asFloat();
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            b[i] = Float.floatToRawIntBits(f[i]);
        }
        return b;
    }
}
