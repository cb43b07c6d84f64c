package dev.udadiffusion.core.nn;

import dev.udadiffusion.core.state.Init;
import dev.udadiffusion.core.state.Layout;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * {@code torch.nn.GroupNorm(groups, C, eps, affine)} on [N, C, ...] input of static rank {@code rank}: statistics
 * per sample and group over channels-in-group × spatial, biased variance. M2.1 has no native op, so it is composed
 * (reductions on positive axes only: negative axes return garbage in M2.1).
 */
public final class GroupNorm {

    private GroupNorm() {
    }

    public static SDVariable forward(Params p, String prefix, SDVariable x, int rank, int groups, int channels,
            double eps, boolean affine) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException(prefix + ": " + channels + " channels not divisible into " + groups + " groups");
        }
        SameDiff sd = p.sameDiff();
        SDVariable g = x.reshape(Graphs.shapePrefix(sd, x, 1, groups, -1)); // [N, C, ...] -> [N, G, C/G * ...]
        SDVariable mean = g.mean(true, 2);
        SDVariable centered = g.sub(mean);
        SDVariable var = centered.mul(centered).mean(true, 2);
        SDVariable normed = centered.mul(sd.math().rsqrt(var.add(eps))).reshape(x.shape()); // back to [N, C, ...]
        if (!affine) {
            return normed;
        }
        long[] bshape = new long[rank];
        java.util.Arrays.fill(bshape, 1);
        bshape[1] = channels;
        SDVariable w = p.get(prefix + ".weight", new long[] {channels}, Layout.TORCH, Init.ones());
        SDVariable b = p.get(prefix + ".bias", new long[] {channels}, Layout.TORCH, Init.zeros());
        return normed.mul(w.reshape(bshape)).add(b.reshape(bshape));
    }
}
