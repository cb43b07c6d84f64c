package dev.udadiffusion.core.train;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Per-parameter views into one flat buffer (optimiser moments, EMA shadows, flattened gradients). */
final class FlatViews {

    private FlatViews() {
    }

    /**
     * A c-order view of {@code shape} starting at element {@code offset} of the 1-D {@code flat}: created explicitly,
     * because {@code reshape} may copy, and writes to a copy would not reach the buffer.
     */
    static INDArray view(INDArray flat, long offset, long[] shape) {
        return Nd4j.create(flat.data(), shape, Nd4j.getStrides(shape, 'c'), offset, 'c', flat.dataType());
    }
}
