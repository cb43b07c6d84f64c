package dev.udadiffusion.core.nn;

import dev.udadiffusion.core.state.Init;
import dev.udadiffusion.core.state.Layout;
import dev.udadiffusion.core.state.Params;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * {@code torch.nn.BatchNorm2d(channels, eps)} on [N, C, H, W], composed: M2.1's {@code batchnorm} op takes its
 * statistics as inputs and has no train mode that outputs the batch statistics, which the running averages need.
 * The buffers {@code running_mean}/{@code running_var} are parameters of the graph that are not trained.
 */
public record BatchNorm2d(int channels, double eps) {

    /** torch's default eps. */
    public static BatchNorm2d of(int channels) {
        return new BatchNorm2d(channels, 1e-5);
    }

    /** Eval mode: the running statistics. */
    public SDVariable forward(Params p, String prefix, SDVariable x) {
        int c = channels;
        SDVariable mean = p.get(prefix + ".running_mean", new long[] {c}, Layout.TORCH, Init.zeros());
        SDVariable var = p.get(prefix + ".running_var", new long[] {c}, Layout.TORCH, Init.ones());
        SDVariable wt = p.get(prefix + ".weight", new long[] {c}, Layout.TORCH, Init.ones());
        SDVariable b = p.get(prefix + ".bias", new long[] {c}, Layout.TORCH, Init.zeros());
        SDVariable scale = wt.mul(p.sameDiff().math().rsqrt(var.add(eps))).reshape(1, c, 1, 1);
        return x.sub(mean.reshape(1, c, 1, 1)).mul(scale).add(b.reshape(1, c, 1, 1));
    }

    /**
     * Train mode: batch mean and biased variance over (N, H, W), gradients flowing through them; the two statistics
     * are also graph outputs named {@code meanName} and {@code varName} ([C]) for the caller's running averages.
     */
    public SDVariable forwardTrain(Params p, String prefix, SDVariable x, String meanName, String varName) {
        int c = channels;
        SameDiff sd = p.sameDiff();
        p.get(prefix + ".running_mean", new long[] {c}, Layout.TORCH, Init.zeros());
        p.get(prefix + ".running_var", new long[] {c}, Layout.TORCH, Init.ones());
        SDVariable wt = p.get(prefix + ".weight", new long[] {c}, Layout.TORCH, Init.ones());
        SDVariable b = p.get(prefix + ".bias", new long[] {c}, Layout.TORCH, Init.zeros());
        SDVariable mean = x.mean(true, 0, 2, 3); // [1, C, 1, 1]
        SDVariable centered = x.sub(mean);
        SDVariable var = centered.mul(centered).mean(true, 0, 2, 3);
        sd.identity(meanName, mean.reshape(c));
        sd.identity(varName, var.reshape(c));
        return centered.mul(sd.math().rsqrt(var.add(eps))).mul(wt.reshape(1, c, 1, 1)).add(b.reshape(1, c, 1, 1));
    }
}
