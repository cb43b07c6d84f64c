package dev.udadiffusion.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/** One partition's samples {@code from} … {@code to − 1}: whole batch groups, so its bytes match a single-machine run. */
public record SampleRange(int partition, int from, int to) implements Serializable {

    /**
     * {@code count} samples in groups of {@code batch}, split into at most {@code partitions} ranges of whole groups
     * whose sizes differ by at most one group.
     */
    public static List<SampleRange> split(int count, int batch, int partitions) {
        if (count < 1 || batch < 1 || partitions < 1) {
            throw new IllegalArgumentException("count, batch and partitions must be positive: " + count + ", " + batch
                    + ", " + partitions);
        }
        int groups = (count + batch - 1) / batch;
        int p = Math.min(partitions, groups);
        List<SampleRange> out = new ArrayList<>();
        for (int k = 0; k < p; k++) {
            int g0 = (int) ((long) k * groups / p);
            int g1 = (int) ((long) (k + 1) * groups / p);
            out.add(new SampleRange(k, g0 * batch, Math.min(g1 * batch, count)));
        }
        return out;
    }
}
