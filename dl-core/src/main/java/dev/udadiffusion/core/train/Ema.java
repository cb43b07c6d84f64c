package dev.udadiffusion.core.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Exponential moving average of weights as diffusers' {@code EMAModel} without {@code use_ema_warmup}: at its n-th
 * update (n counted from the start of training) the decay is 0 for n = 1 and min(decay, n / (9 + n)) after, i.e.
 * diffusers' (1 + s) / (10 + s) with s = n − 1; shadow ← shadow − (1 − d)(shadow − p).
 *
 * <p>The shadow weights are views of one flat buffer (when the parameters share a data type), so an update is a few
 * whole-buffer ops rather than three per parameter array, with the same float operations per element.
 */
public final class Ema {

    private final double maxDecay;
    private final Map<String, INDArray> shadow = new LinkedHashMap<>();
    /** The buffer the shadow arrays are views of, or null when the parameters mix data types. */
    private final INDArray flat;
    private final INDArray scratch;
    private long updates;

    public Ema(Map<String, INDArray> params, double maxDecay) {
        this(params, maxDecay, 0);
    }

    /** @param updatesSoFar updates already made (a resumed run's step), so the warm-up continues where it was */
    public Ema(Map<String, INDArray> params, double maxDecay, long updatesSoFar) {
        if (!(maxDecay >= 0 && maxDecay < 1) || updatesSoFar < 0) {
            throw new IllegalArgumentException("EMA decay must be in [0, 1) and the update count >= 0: " + maxDecay
                    + ", " + updatesSoFar);
        }
        this.maxDecay = maxDecay;
        this.updates = updatesSoFar;
        boolean uniform = params.values().stream().map(INDArray::dataType).distinct().count() == 1;
        if (uniform) {
            List<INDArray> values = new ArrayList<>(params.values());
            flat = Nd4j.toFlattened('c', values);
            scratch = flat.ulike();
            long offset = 0;
            for (Map.Entry<String, INDArray> e : params.entrySet()) {
                long[] shape = e.getValue().shape();
                shadow.put(e.getKey(), FlatViews.view(flat, offset, shape));
                offset += e.getValue().length();
            }
        } else {
            flat = null;
            scratch = null;
            params.forEach((k, v) -> shadow.put(k, v.dup()));
        }
    }

    /** The decay diffusers uses at its {@code n}-th update. */
    public double decayAt(long n) {
        long s = n - 1;
        return s <= 0 ? 0.0 : Math.min(maxDecay, (1.0 + s) / (10.0 + s));
    }

    public void update(Map<String, INDArray> params) {
        updates++;
        double d = decayAt(updates);
        if (flat != null && params.keySet().equals(shadow.keySet())) {
            List<INDArray> ps = new ArrayList<>();
            shadow.keySet().forEach(k -> ps.add(params.get(k)));
            scratch.assign(flat).subi(Nd4j.toFlattened('c', ps)).muli(1 - d);
            flat.subi(scratch);
            return;
        }
        params.forEach((k, p) -> {
            INDArray s = shadow.get(k);
            if (s != null) {
                s.subi(s.sub(p).muli(1 - d));
            }
        });
    }

    /** Updates made so far (including those before a resume). */
    public long updates() {
        return updates;
    }

    /** The averaged weights (live arrays). */
    public Map<String, INDArray> weights() {
        return shadow;
    }
}
