package dev.udadiffusion.core.safetensors;

import java.util.Optional;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The safetensors dtypes this project reads and writes: every one PyTorch checkpoints use in practice. The
 * sub-byte and FP8 types of the format are recognised by name but refused with a clear message.
 */
public enum DType {
    BOOL(1, DataType.BOOL),
    U8(1, DataType.UBYTE),
    I8(1, DataType.BYTE),
    I16(2, DataType.SHORT),
    F16(2, DataType.HALF),
    BF16(2, DataType.BFLOAT16),
    I32(4, DataType.INT),
    F32(4, DataType.FLOAT),
    F64(8, DataType.DOUBLE),
    I64(8, DataType.LONG);

    private final int itemSize;
    private final DataType nd4j;

    DType(int itemSize, DataType nd4j) {
        this.itemSize = itemSize;
        this.nd4j = nd4j;
    }

    /** Bytes per element. */
    public int itemSize() {
        return itemSize;
    }

    /** The ND4J data type holding the same values exactly. */
    public DataType nd4j() {
        return nd4j;
    }

    public boolean isFloatingPoint() {
        return this == F16 || this == BF16 || this == F32 || this == F64;
    }

    /** Parses a header dtype string; empty for anything this project does not support. */
    public static Optional<DType> parse(String s) {
        for (DType d : values()) {
            if (d.name().equals(s)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /** The safetensors dtype that stores an ND4J array of type {@code t} without loss. */
    public static DType of(DataType t) {
        for (DType d : values()) {
            if (d.nd4j == t) {
                return d;
            }
        }
        throw new IllegalArgumentException("no safetensors dtype for ND4J data type " + t);
    }
}
