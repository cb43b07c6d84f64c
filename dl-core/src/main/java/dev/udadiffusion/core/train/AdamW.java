package dev.udadiffusion.core.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * AdamW exactly as {@code torch.optim.AdamW} (single-tensor path, the CPU default), operation for operation in
 * float32: p ← p·(1 − lr·wd); m ← lerp(m, g, 1 − β1); v ← β2·v + (1 − β2)·g²; p ← p − (lr / (1 − β1^t)) · m /
 * (√v / √(1 − β2^t) + ε). Parameters are updated in place; state (m, v, step) can be saved and restored.
 * Parameter groups have their own lr multiplier and weight decay. Not thread-safe.
 */
public final class AdamW {

    /** A group of parameters (by name) sharing an lr multiplier and a weight decay. */
    public record Group(String name, List<String> params, double lrScale, double weightDecay) {
        public Group {
            params = List.copyOf(params);
        }
    }

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final List<Group> groups;
    private final Map<String, INDArray> m = new LinkedHashMap<>();
    private final Map<String, INDArray> v = new LinkedHashMap<>();
    private long step;

    public AdamW(List<Group> groups, double beta1, double beta2, double eps) {
        this.groups = List.copyOf(groups);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    /** torch defaults: β = (0.9, 0.999), ε = 1e−8, one group. */
    public static AdamW of(List<String> params, double weightDecay) {
        return new AdamW(List.of(new Group("all", params, 1.0, weightDecay)), 0.9, 0.999, 1e-8);
    }

    public List<Group> groups() {
        return groups;
    }

    public long step() {
        return step;
    }

    /**
     * One update at base learning rate {@code lr}: {@code params} maps names to the arrays to update in place,
     * {@code grads} their gradients (a missing gradient skips that parameter, as torch does for grad None).
     */
    public void update(Map<String, INDArray> params, Map<String, INDArray> grads, double lr) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2 = 1 - Math.pow(beta2, step);
        double bc2Sqrt = Math.sqrt(bc2);
        for (Group g : groups) {
            double glr = lr * g.lrScale();
            double stepSize = glr / bc1;
            for (String name : g.params()) {
                INDArray grad = grads.get(name);
                if (grad == null) {
                    continue;
                }
                INDArray p = params.get(name);
                if (p == null) {
                    throw new IllegalArgumentException("no parameter array for " + name);
                }
                INDArray gr = grad.dataType() == p.dataType() ? grad : grad.castTo(p.dataType());
                INDArray mt = m.computeIfAbsent(name, k -> Nd4j.zeros(p.dataType(), p.shape()));
                INDArray vt = v.computeIfAbsent(name, k -> Nd4j.zeros(p.dataType(), p.shape()));
                if (g.weightDecay() != 0) {
                    p.muli(1 - glr * g.weightDecay());
                }
                mt.addi(gr.sub(mt).muli(1 - beta1)); // lerp(m, g, 1 - β1) for weight < 0.5
                vt.muli(beta2).addi(gr.mul(gr).muli(1 - beta2));
                INDArray denom = Transforms.sqrt(vt, true).divi(bc2Sqrt).addi(eps);
                p.subi(mt.div(denom).muli(stepSize));
            }
        }
    }

    /** The optimiser state as named tensors (for checkpoints): m.NAME, v.NAME and the step count. */
    public Map<String, INDArray> state() {
        Map<String, INDArray> s = new LinkedHashMap<>();
        m.forEach((k, a) -> s.put("m." + k, a));
        v.forEach((k, a) -> s.put("v." + k, a));
        s.put("step", Nd4j.scalar(DataType.LONG, step));
        return s;
    }

    /** Restores {@link #state()}. */
    public void load(Map<String, INDArray> s) {
        m.clear();
        v.clear();
        for (Map.Entry<String, INDArray> e : s.entrySet()) {
            if (e.getKey().startsWith("m.")) {
                m.put(e.getKey().substring(2), e.getValue().dup());
            } else if (e.getKey().startsWith("v.")) {
                v.put(e.getKey().substring(2), e.getValue().dup());
            }
        }
        INDArray st = s.get("step");
        step = st == null ? 0 : st.getLong(0);
    }

    /** All parameter names across groups. */
    public List<String> parameterNames() {
        List<String> l = new ArrayList<>();
        groups.forEach(g -> l.addAll(g.params()));
        return l;
    }
}
