package dev.udadiffusion.core.state;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How a parameter stored in PyTorch layout maps onto the array the SameDiff graph uses. Conversion happens once, at
 * load and save time, so graph code never permutes weights.
 */
public enum Layout {
    /** Same layout as the checkpoint. */
    TORCH,
    /**
     * Conv2d weight: torch {@code [out, in, kH, kW]} to YXIO {@code [kH, kW, in, out]}. SameDiff M2.1's conv2d
     * backward pass ignores {@code WeightsFormat.OIYX}, so the graph uses YXIO.
     */
    CONV2D,
    /** Depthwise conv weight: torch {@code [C, 1, kH, kW]} to {@code [kH, kW, C, 1]}. */
    DEPTHWISE;

    /** The graph-side shape of a parameter whose checkpoint shape is {@code torch}. */
    public long[] graphShape(long[] torch) {
        return switch (this) {
            case TORCH -> torch.clone();
            case CONV2D -> new long[] {torch[2], torch[3], torch[1], torch[0]};
            case DEPTHWISE -> new long[] {torch[2], torch[3], torch[0], torch[1]};
        };
    }

    /** Converts a checkpoint-layout array to a new graph-layout array (c order). */
    public INDArray toGraph(INDArray torch) {
        check(torch, 4);
        return switch (this) {
            case TORCH -> torch;
            case CONV2D -> torch.permute(2, 3, 1, 0).dup('c');
            case DEPTHWISE -> torch.permute(2, 3, 0, 1).dup('c');
        };
    }

    /** Converts a graph-layout array back to checkpoint layout (c order). */
    public INDArray toTorch(INDArray graph) {
        check(graph, 4);
        return switch (this) {
            case TORCH -> graph;
            case CONV2D -> graph.permute(3, 2, 0, 1).dup('c');
            case DEPTHWISE -> graph.permute(2, 3, 0, 1).dup('c');
        };
    }

    private void check(INDArray a, int rank) {
        if (this != TORCH && a.rank() != rank) {
            throw new IllegalArgumentException(this + " layout needs a rank-" + rank + " array, got "
                    + Arrays.toString(a.shape()));
        }
    }
}
