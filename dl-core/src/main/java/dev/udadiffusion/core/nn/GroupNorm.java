package dev.udadiffusion.core.nn;

import dev.udadiffusion.core.state.Init;
import dev.udadiffusion.core.state.Layout;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * {@code torch.nn.GroupNorm(groups, C, eps, affine)} on [N, C, ...] input of static rank {@code rank}: statistics
 * per sample and group over channels-in-group × spatial, biased variance. M2.1 has no native op, so it is composed
 * (reductions on positive axes only: negative axes return garbage in M2.1): mean and native variance, then one
 * {@code x·scale + shift} with the affine folded into per-channel scale and shift.
 */
public final class GroupNorm {

    private GroupNorm() {
    }

    public static SDVariable forward(Params p, String prefix, SDVariable x, int rank, int groups, int channels,
            double eps, boolean affine) {
        return forward(p, prefix, x, rank, groups, channels, eps, affine, (long[]) null);
    }

    /** As above; {@code spatial} are x's static dims after the channel axis when known (saves the shape ops). */
    public static SDVariable forward(Params p, String prefix, SDVariable x, int rank, int groups, int channels,
            double eps, boolean affine, long... spatial) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException(prefix + ": " + channels + " channels not divisible into " + groups + " groups");
        }
        SameDiff sd = p.sameDiff();
        boolean stat = Graphs.known(spatial) && spatial.length == rank - 2;
        long size = 1;
        if (stat) {
            for (long d : spatial) {
                size *= d;
            }
        }
        long perGroup = channels / groups;
        // [N, C, ...] -> [N, G, C/G, S]: statistics over (C/G, S), the affine per (G, C/G)
        SDVariable g = stat ? x.reshape(-1, groups, perGroup, size)
                : x.reshape(Graphs.shapePrefix(sd, x, 1, groups, perGroup, -1));
        // Few full-size passes (they dominate: each allocates a fresh output): mean and the native variance read
        // x; normalisation and affine fold into one per-(sample, channel) scale and shift, so x*scale + shift is the
        // only full-size arithmetic. Variance is not E[x^2] - E[x]^2, which cancels when |mean| >> std.
        SDVariable flat = stat ? x.reshape(-1, groups, perGroup * size) : x.reshape(Graphs.shapePrefix(sd, x, 1, groups, -1));
        SDVariable meanFlat = flat.mean(true, 2);
        SDVariable mean = meanFlat.reshape(-1, groups, 1, 1);
        SDVariable var;
        long count = perGroup * size;
        if (stat && count > 1) {
            // M2.1's variance backprop ignores biasCorrected=false (it differentiates the N-1 form): take the
            // unbiased variance, whose gradient is right, and rescale it to the biased one
            var = sd.variance(flat, true, true, 2).mul((count - 1) / (double) count).reshape(-1, groups, 1, 1);
        } else {
            SDVariable centered = flat.sub(meanFlat);
            var = centered.mul(centered).mean(true, 2).reshape(-1, groups, 1, 1);
        }
        SDVariable inv = sd.math().rsqrt(var.add(eps));
        SDVariable scale = inv;
        SDVariable shift = mean.mul(inv).neg();
        if (affine) {
            SDVariable w = p.get(prefix + ".weight", new long[] {channels}, Layout.TORCH, Init.ones()).reshape(1, groups, perGroup, 1);
            SDVariable b = p.get(prefix + ".bias", new long[] {channels}, Layout.TORCH, Init.zeros()).reshape(1, groups, perGroup, 1);
            scale = inv.mul(w); // [N, G, C/G, 1]
            shift = b.sub(mean.mul(scale));
        }
        SDVariable y = g.mul(scale).add(shift);
        if (stat) {
            long[] back = new long[rank];
            back[0] = -1;
            back[1] = channels;
            System.arraycopy(spatial, 0, back, 2, spatial.length);
            return y.reshape(back); // back to [N, C, ...]
        }
        return y.reshape(x.shape());
    }
}
