package dev.udadiffusion.core.safetensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Single-copy transfer between little-endian tensor bytes and ND4J arrays: a {@code memcpy} into an uninitialised
 * array (zero-filling a fresh array costs more than the copy), and exact F16/BF16 to FLOAT conversion in Java.
 */
public final class TensorCopy {

    private static final float[] HALF_TO_FLOAT = new float[65536];

    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new ExceptionInInitializerError("safetensors I/O needs a little-endian platform");
        }
        for (int h = 0; h < 65536; h++) {
            HALF_TO_FLOAT[h] = halfToFloat((short) h);
        }
    }

    private TensorCopy() {
    }

    /** Exact IEEE 754 binary16 to binary32 conversion (every half value is representable as a float). */
    public static float halfToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) { // Inf / NaN, keeping the payload
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            // subnormal half: mant * 2^-24, exact in float
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** float32 to binary16, round to nearest even (as torch's {@code .half()}). */
    public static short floatToHalf(float f) {
        int x = Float.floatToRawIntBits(f);
        int sign = (x >>> 16) & 0x8000;
        int exp = (x >>> 23) & 0xff;
        int mant = x & 0x7fffff;
        if (exp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            mant |= 0x800000;
            int shift = 14 - e;
            int half = mant >>> shift;
            int rem = mant & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) != 0)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) != 0)) {
            half++; // may carry into the exponent, which is the correct rounding to the next binade / Inf
        }
        return (short) (sign | half);
    }

    /** float32 to bfloat16, round to nearest even (as torch's {@code .bfloat16()}). */
    public static short floatToBf16(float f) {
        int x = Float.floatToRawIntBits(f);
        if ((x & 0x7fffffff) > 0x7f800000) {
            return (short) ((x >>> 16) | 0x40); // quiet NaN
        }
        int lsb = (x >>> 16) & 1;
        return (short) ((x + 0x7fff + lsb) >>> 16);
    }

    /** A tensor's bytes as a c-order array; F16 and BF16 become FLOAT. */
    public static INDArray toArray(TensorInfo t, ByteBuffer src) {
        long[] shape = t.shape();
        DType d = t.dtype();
        DataType target = (d == DType.F16 || d == DType.BF16) ? DataType.FLOAT : d.nd4j();
        if (t.numel() == 0) {
            return Nd4j.create(target, shape);
        }
        INDArray a = shape.length == 0 ? Nd4j.scalar(target, 0) : Nd4j.createUninitialized(target, shape, 'c');
        ByteBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        in.position(0);
        if (d == DType.F16 || d == DType.BF16) {
            FloatBuffer out = floatView(a);
            ShortBuffer s = in.asShortBuffer();
            int n = (int) t.numel();
            if (d == DType.F16) {
                for (int i = 0; i < n; i++) {
                    out.put(i, HALF_TO_FLOAT[s.get(i) & 0xffff]);
                }
            } else {
                for (int i = 0; i < n; i++) {
                    out.put(i, Float.intBitsToFloat((s.get(i) & 0xffff) << 16));
                }
            }
        } else {
            Pointer.memcpy(a.data().addressPointer(), new BytePointer(in), t.byteSize());
        }
        return a;
    }

    /**
     * The bytes of a c-order, non-view array in its own dtype (a view of the array's memory, no copy). The caller must
     * keep {@code a} reachable while using the buffer: ND4J frees the memory when the array is collected.
     */
    public static ByteBuffer bytesOf(INDArray a) {
        if (a.isView() || a.ordering() != 'c' || a.data().offset() != 0 || a.isEmpty()) {
            throw new IllegalArgumentException("expected a dense c-order array that is not a view");
        }
        long bytes = a.length() * a.dataType().width();
        BytePointer p = new BytePointer(a.data().addressPointer());
        p.capacity(bytes).limit(bytes);
        return p.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static FloatBuffer floatView(INDArray a) {
        BytePointer p = new BytePointer(a.data().addressPointer());
        long bytes = a.length() * 4L;
        p.capacity(bytes).limit(bytes);
        return p.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    }
}
