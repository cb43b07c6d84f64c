package dev.udadiffusion.core.state;

import java.util.Arrays;

/** A graph parameter: its checkpoint key (= SameDiff variable name), checkpoint shape and layout. */
public record ParamSpec(String key, long[] torchShape, Layout layout) {

    public ParamSpec {
        torchShape = torchShape.clone();
    }

    @Override
    public long[] torchShape() {
        return torchShape.clone();
    }

    public long numel() {
        long n = 1;
        for (long d : torchShape) {
            n *= d;
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ParamSpec p && key.equals(p.key) && Arrays.equals(torchShape, p.torchShape)
                && layout == p.layout;
    }

    @Override
    public int hashCode() {
        return key.hashCode();
    }

    @Override
    public String toString() {
        return key + Arrays.toString(torchShape) + (layout == Layout.TORCH ? "" : " (" + layout + ")");
    }
}
