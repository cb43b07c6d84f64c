package dev.udadiffusion.core.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/** Losses composed for training graphs (M2.1's own ops do not differentiate here; see each method). */
public final class Losses {

    private Losses() {
    }

    /**
     * log_softmax over {@code axis}, composed: M2.1's LogSoftMax op cannot be cloned for the gradient graph ("Error
     * setting property"). The max shift only guards exp against overflow and log-softmax does not depend on it, so its
     * gradient is zero; M2.1 still runs a reduce_max backward for it (12 % of a toy SegFormer step, even behind
     * StopGradient). Shifting by the max truncated to an integer keeps the guard (exp ≤ e) and ends the gradient path
     * at the int cast.
     */
    public static SDVariable logSoftmax(SameDiff sd, SDVariable x, int axis) {
        SDVariable shifted = x.sub(x.max(true, axis).castTo(DataType.INT32).castTo(DataType.FLOAT));
        return shifted.sub(sd.math().log(sd.math().exp(shifted).sum(true, axis)));
    }

    /**
     * Cross-entropy of {@code logits} [B, C, ...] against a one-hot {@code target} of the same shape that is all zeros
     * at ignored pixels: −Σ target · log_softmax(logits, 1) / {@code count} (torch's mean over the valid pixels when
     * {@code count} is their number).
     */
    public static SDVariable crossEntropyOneHot(SameDiff sd, SDVariable logits, SDVariable target, SDVariable count) {
        return logSoftmax(sd, logits, 1).mul(target).sum().neg().div(count);
    }
}
