package dev.udadiffusion.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@code Tensor} made from an array must keep the array that owns its bytes alive: ND4J frees off-heap buffers of
 * collected arrays, and a use-after-free wrote allocator pointers into a saved tensor once. Checked without relying on
 * the collector: the tensor's bytes are a view of its {@code owner}'s memory (a write through the owner shows in them).
 */
class WriterOwnershipTest {

    @Test
    void aTensorsBytesAreTheMemoryOfTheArrayItHolds() {
        INDArray a = Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}});
        SafetensorsWriter.Tensor t = SafetensorsWriter.Tensor.of("a", a);
        assertSame(a, t.owner(), "a c-order array is viewed, not copied, and held");
        a.putScalar(0, 0, 42f);
        assertEquals(42f, t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).getFloat(0));
    }

    @Test
    void aViewIsCopiedAndTheCopyIsHeld() {
        INDArray base = Nd4j.createFromArray(new float[] {1, 2, 3, 4, 5, 6}).reshape(2, 3);
        SafetensorsWriter.Tensor t = SafetensorsWriter.Tensor.of("t", base.transpose()); // a strided view
        assertTrue(t.owner() instanceof INDArray, "the copy's memory must be held by the tensor");
        INDArray owner = (INDArray) t.owner();
        assertEquals(4f, t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).getFloat(4)); // c order of the transpose: 1 4 2 …
        owner.putScalar(1, 99f);
        assertEquals(99f, t.data().duplicate().order(ByteOrder.LITTLE_ENDIAN).getFloat(4));
    }

    @Test
    void convertedTensorsOwnHeapBytes() {
        SafetensorsWriter.Tensor t = SafetensorsWriter.Tensor.of("h", Nd4j.ones(3), DType.F16);
        assertNull(t.owner()); // a fresh heap buffer: nothing off-heap to keep alive
        assertEquals(6, t.data().remaining());
    }
}
