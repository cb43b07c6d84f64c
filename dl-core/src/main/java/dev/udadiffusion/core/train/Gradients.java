package dev.udadiffusion.core.train;

import java.util.Collection;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Gradient utilities: global norm, torch-style clipping, accumulation. */
public final class Gradients {

    private Gradients() {
    }

    /** √(Σ g²) over all given gradients, accumulated in double. */
    public static double globalNorm(Collection<INDArray> grads) {
        double s = 0;
        for (INDArray g : grads) {
            double n = g.norm2Number().doubleValue();
            s += n * n;
        }
        return Math.sqrt(s);
    }

    /**
     * {@code torch.nn.utils.clip_grad_norm_}: if the global norm exceeds {@code maxNorm}, scale all gradients in place
     * by maxNorm / (norm + 1e−6). Returns the norm before clipping.
     */
    public static double clip(Map<String, INDArray> grads, double maxNorm) {
        double norm = globalNorm(grads.values());
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1.0) {
            grads.values().forEach(g -> g.muli(coef));
        }
        return norm;
    }

    /** acc += g for every key (accumulation over micro-batches); missing accumulators are created. */
    public static void accumulate(Map<String, INDArray> acc, Map<String, INDArray> grads) {
        grads.forEach((k, g) -> acc.merge(k, g.dup(), (a, b) -> a.addi(b)));
    }
}
