package dev.udadiffusion.core.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Exponential moving average of weights as diffusers' {@code EMAModel} (decay warm-up
 * min(decay, (1 + step)/(10 + step)), updates every step): shadow ← shadow − (1 − d)(shadow − p).
 */
public final class Ema {

    private final double maxDecay;
    private final Map<String, INDArray> shadow = new LinkedHashMap<>();
    private long step;

    public Ema(Map<String, INDArray> params, double maxDecay) {
        this.maxDecay = maxDecay;
        params.forEach((k, v) -> shadow.put(k, v.dup()));
    }

    public void update(Map<String, INDArray> params) {
        step++;
        double d = Math.min(maxDecay, (1.0 + step) / (10.0 + step));
        params.forEach((k, p) -> {
            INDArray s = shadow.get(k);
            if (s != null) {
                s.subi(s.sub(p).muli(1 - d));
            }
        });
    }

    /** The averaged weights (live arrays). */
    public Map<String, INDArray> weights() {
        return shadow;
    }
}
