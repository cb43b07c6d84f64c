package dev.udadiffusion.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SafetensorsRoundTripTest {

    @TempDir
    Path dir;

    @Test
    void everyDtypeRoundTripsThroughNd4j() {
        Random r = new Random(7);
        Map<String, INDArray> in = new LinkedHashMap<>();
        in.put("f64", Nd4j.create(new double[] {1.5, -2.25, 1e-300, Double.MAX_VALUE, 0, -0.0}, 2, 3));
        in.put("f32", Nd4j.rand(DataType.FLOAT, 3, 4, 5).subi(0.5));
        in.put("i64", Nd4j.create(new long[] {Long.MIN_VALUE, -1, 0, 1, Long.MAX_VALUE, 42}, new long[] {6}, DataType.LONG));
        in.put("i32", Nd4j.create(new int[] {Integer.MIN_VALUE, -7, 0, Integer.MAX_VALUE}, new long[] {2, 2}, DataType.INT));
        in.put("i16", Nd4j.create(new float[] {-32768, -1, 0, 32767}, new long[] {4}, DataType.FLOAT).castTo(DataType.SHORT));
        in.put("i8", Nd4j.create(new float[] {-128, -1, 0, 127}, new long[] {4}, DataType.FLOAT).castTo(DataType.BYTE));
        in.put("u8", Nd4j.create(new float[] {0, 1, 128, 255}, new long[] {1, 4}, DataType.FLOAT).castTo(DataType.UBYTE));
        in.put("bool", Nd4j.create(new boolean[] {true, false, true}, new long[] {3}, DataType.BOOL));
        in.put("scalar", Nd4j.scalar(DataType.FLOAT, 3.25f));
        in.put("empty", Nd4j.create(DataType.FLOAT, 0, 3));
        Path f = dir.resolve("all.safetensors");
        SafetensorsWriter.write(f, in, Map.of("format", "pt", "note", "round trip"));

        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            assertEquals(Map.of("format", "pt", "note", "round trip"), st.metadata());
            assertEquals(in.keySet().stream().sorted().toList(), st.names().stream().sorted().toList());
            for (Map.Entry<String, INDArray> e : in.entrySet()) {
                INDArray got = st.load(e.getKey());
                assertEquals(e.getValue().dataType(), got.dataType(), e.getKey());
                assertArrayEquals(e.getValue().shape(), got.shape(), e.getKey());
                assertEquals(e.getValue(), got, e.getKey());
            }
            assertEquals(DType.I16, st.info("i16").dtype());
            assertEquals(DType.BOOL, st.info("bool").dtype());
            assertEquals(0, st.info("scalar").rank());
        }
        // nothing but the file itself is left in the folder
        assertEquals(List.of(f), list(dir));
    }

    @Test
    void halfAndBfloat16AreStoredRoundedToNearestEvenAndLoadedExactly() {
        float[] v = {1f, -2f, 65504f, 65520f, 6.1035156e-05f, 5.9604645e-08f, 2.9802322e-08f, 1.0009766f, 1.00048828125f,
                1.000732421875f, 0.1f, Float.POSITIVE_INFINITY, -0f};
        INDArray a = Nd4j.create(v, new long[] {v.length});
        Path f = dir.resolve("half.safetensors");
        SafetensorsWriter.write(f, List.of(SafetensorsWriter.Tensor.of("h", a, DType.F16),
                SafetensorsWriter.Tensor.of("b", a, DType.BF16)), Map.of());
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            ByteBuffer hb = st.bytes("h");
            short[] expectH = {0x3c00, (short) 0xc000, 0x7bff, 0x7c00, 0x0400, 0x0001, 0x0000, 0x3c01, 0x3c00,
                    0x3c01, 0x2e66, 0x7c00, (short) 0x8000};
            for (int i = 0; i < v.length; i++) {
                assertEquals(expectH[i], hb.getShort(2 * i), "half bits of " + v[i]);
            }
            ByteBuffer bb = st.bytes("b");
            assertEquals((short) 0x3f80, bb.getShort(0));
            assertEquals((short) 0x3dcd, bb.getShort(2 * 10)); // 0.1f = 0x3dcccccd rounds up
            INDArray h = st.load("h");
            assertEquals(DataType.FLOAT, h.dataType());
            assertEquals(65504f, h.getFloat(2));
            assertEquals(5.9604645e-08f, h.getFloat(5));
            assertEquals(Float.intBitsToFloat(0x3dcd0000), st.load("b").getFloat(10));
        }
    }

    @Test
    void halfConversionAgreesWithNd4jForAllBitPatterns() {
        ByteBuffer b = ByteBuffer.allocateDirect(65536 * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int h = 0; h < 65536; h++) {
            b.putShort((short) h);
        }
        b.flip();
        INDArray half = Nd4j.createUninitialized(DataType.HALF, 65536);
        org.bytedeco.javacpp.Pointer.memcpy(half.data().addressPointer(), new org.bytedeco.javacpp.BytePointer(b), 65536 * 2);
        float[] nd = half.castTo(DataType.FLOAT).data().asFloat();
        for (int h = 0; h < 65536; h++) {
            float ours = TensorCopy.halfToFloat((short) h);
            if (Float.isNaN(nd[h])) {
                assertTrue(Float.isNaN(ours), "NaN at " + h);
            } else {
                assertEquals(Float.floatToIntBits(nd[h]), Float.floatToIntBits(ours), "half 0x" + Integer.toHexString(h));
                assertEquals((short) h, TensorCopy.floatToHalf(ours), "float->half of 0x" + Integer.toHexString(h));
            }
        }
    }

    @Test
    void writerRefusesDuplicateNamesAndLeavesNothingOnFailure() throws Exception {
        INDArray a = Nd4j.ones(2);
        List<SafetensorsWriter.Tensor> dup = List.of(SafetensorsWriter.Tensor.of("x", a), SafetensorsWriter.Tensor.of("x", a));
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> SafetensorsWriter.write(dir.resolve("d.safetensors"), dup, Map.of()));
        assertTrue(e.getMessage().contains("'x'"));
        Path blocker = Files.writeString(dir.resolve("notadir"), "x");
        assertThrows(SafetensorsException.class, () -> SafetensorsWriter.write(blocker.resolve("f.safetensors"),
                Map.of("x", a), Map.of()));
        assertEquals(List.of(blocker), list(dir));
    }

    @Test
    void writingReplacesAnExistingFileAtomically() throws Exception {
        Path f = dir.resolve("w.safetensors");
        SafetensorsWriter.write(f, Map.of("a", Nd4j.ones(3)), Map.of());
        SafetensorsWriter.write(f, Map.of("b", Nd4j.zeros(2)), Map.of());
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            assertEquals(List.of("b"), st.names());
        }
        assertEquals(List.of(f), list(dir));
    }

    static List<Path> list(Path d) {
        try (var s = Files.list(d)) {
            return s.sorted().toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
