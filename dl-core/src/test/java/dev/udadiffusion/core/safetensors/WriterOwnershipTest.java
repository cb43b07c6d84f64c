package dev.udadiffusion.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@code Tensor} made from an array that nobody else references must keep that array's memory alive: ND4J frees
 * off-heap buffers of collected arrays, and a use-after-free wrote allocator pointers into a saved tensor once.
 */
class WriterOwnershipTest {

    @Test
    void tensorsKeepTheirArraysAliveThroughGc(@TempDir Path dir) throws Exception {
        List<SafetensorsWriter.Tensor> ts = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            float[] v = new float[32];
            for (int j = 0; j < v.length; j++) {
                v[j] = i * 100 + j;
            }
            expected.add(v);
            ts.add(SafetensorsWriter.Tensor.of("t" + i, Nd4j.createFromArray(v).reshape(4, 8))); // the only reference
        }
        for (int round = 0; round < 5; round++) {
            System.gc();
            Thread.sleep(50);
            for (int k = 0; k < 200; k++) {
                Nd4j.create(DataType.FLOAT, 32).addi(1); // reuse freed memory if any was freed
            }
        }
        Path f = dir.resolve("t.safetensors");
        SafetensorsWriter.write(f, ts, Map.of());
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            for (int i = 0; i < 200; i++) {
                assertArrayEquals(expected.get(i), st.load("t" + i).reshape(32).toFloatVector(), "t" + i);
            }
        }
    }
}
