package dev.udadiffusion.core.nn;

/**
 * The static height and width of a feature map, when the graph is built for one input size (−1 each when not:
 * blocks then fall back to shape ops). Attention needs the token count H·W to split its queries into chunks.
 */
public record Size2d(long height, long width) {

    /** Sizes decided at run time. */
    public static final Size2d UNKNOWN = new Size2d(-1, -1);

    public boolean known() {
        return Graphs.known(height, width);
    }

    /** H·W, or −1 when unknown. */
    public long tokens() {
        return known() ? height * width : -1;
    }

    /** The size after {@code n} stride-2 steps (the U-Net's level n; sizes are multiples of 2ⁿ). */
    public Size2d down(int n) {
        return known() ? new Size2d(height >> n, width >> n) : UNKNOWN;
    }
}
