package dev.udadiffusion.core.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
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
 *
 * <p>Each group's moments live in one flat buffer (per-parameter entries are views of it), so a step in which every
 * parameter of the group has a gradient runs the element-wise update as a dozen whole-buffer ops instead of a dozen
 * ops per parameter: a toy U-Net has 324 parameter arrays, and per-op dispatch, not arithmetic, dominated at that
 * count. Every element sees the same float operations in the same order as the per-parameter path, so results are
 * bit-identical.
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
    /** Per group (same index), its flat layout once laid out; null where the group's arrays mix dtypes. */
    private final List<FlatMoments> flat = new ArrayList<>();
    /** State restored before the first update, placed into the flat buffers when they are laid out. */
    private final Map<String, INDArray> pending = new HashMap<>();
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
        if (flat.isEmpty()) {
            layOut(params);
        }
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        for (int i = 0; i < groups.size(); i++) {
            Group g = groups.get(i);
            double glr = lr * g.lrScale();
            FlatMoments f = flat.get(i);
            if (f != null && f.allHaveGradients(grads)) {
                f.update(params, grads, glr, g.weightDecay(), glr / bc1, bc2Sqrt);
                continue;
            }
            for (String name : g.params()) {
                INDArray grad = grads.get(name);
                if (grad != null) {
                    updateOne(name, params.get(name), grad, glr, g.weightDecay(), glr / bc1, bc2Sqrt);
                }
            }
        }
    }

    /** The per-parameter path, for steps where some parameter of a group has no gradient. */
    private void updateOne(String name, INDArray p, INDArray grad, double glr, double wd, double stepSize,
            double bc2Sqrt) {
        if (p == null) {
            throw new IllegalArgumentException("no parameter array for " + name);
        }
        INDArray gr = grad.dataType() == p.dataType() ? grad : grad.castTo(p.dataType());
        INDArray mt = m.computeIfAbsent(name, k -> Nd4j.zeros(p.dataType(), p.shape()));
        INDArray vt = v.computeIfAbsent(name, k -> Nd4j.zeros(p.dataType(), p.shape()));
        if (wd != 0) {
            p.muli(1 - glr * wd);
        }
        mt.addi(gr.sub(mt).muli(1 - beta1)); // lerp(m, g, 1 - β1) for weight < 0.5
        vt.muli(beta2).addi(gr.mul(gr).muli(1 - beta2));
        INDArray denom = Transforms.sqrt(vt, true).divi(bc2Sqrt).addi(eps);
        p.subi(mt.div(denom).muli(stepSize));
    }

    /** Allocates each group's flat moment buffers from the parameters' shapes and moves restored state into them. */
    private void layOut(Map<String, INDArray> params) {
        for (Group g : groups) {
            List<String> names = new ArrayList<>();
            DataType dt = null;
            boolean uniform = true;
            for (String n : g.params()) {
                INDArray p = params.get(n);
                if (p == null) {
                    continue; // reported by the per-parameter path if it ever gets a gradient
                }
                uniform &= dt == null || p.dataType() == dt;
                dt = p.dataType();
                names.add(n);
            }
            flat.add(uniform && !names.isEmpty() ? new FlatMoments(names, params, dt) : null);
        }
        pending.forEach((k, a) -> {
            Map<String, INDArray> target = k.startsWith("m.") ? m : v;
            String name = k.substring(2);
            INDArray view = target.get(name);
            if (view == null) {
                target.put(name, a);
            } else if (!Arrays.equals(view.shape(), a.shape())) {
                throw new IllegalArgumentException("optimizer state " + k + " has shape "
                        + Arrays.toString(a.shape()) + ", the parameter "
                        + Arrays.toString(view.shape()));
            } else {
                view.assign(a);
            }
        });
        pending.clear();
    }

    /** The optimiser state as named tensors (for checkpoints): m.NAME, v.NAME and the step count. */
    public Map<String, INDArray> state() {
        Map<String, INDArray> s = new LinkedHashMap<>();
        m.forEach((k, a) -> s.put("m." + k, a));
        v.forEach((k, a) -> s.put("v." + k, a));
        pending.forEach(s::put);
        s.put("step", Nd4j.scalar(DataType.LONG, step));
        return s;
    }

    /** Restores {@link #state()}. */
    public void load(Map<String, INDArray> s) {
        m.values().forEach(a -> a.assign(0));
        v.values().forEach(a -> a.assign(0));
        pending.clear();
        for (Map.Entry<String, INDArray> e : s.entrySet()) {
            String k = e.getKey();
            if (!k.startsWith("m.") && !k.startsWith("v.")) {
                continue;
            }
            INDArray cur = (k.startsWith("m.") ? m : v).get(k.substring(2));
            if (cur == null) {
                pending.put(k, e.getValue().dup());
            } else {
                cur.assign(e.getValue());
            }
        }
        if (!flat.isEmpty() && !pending.isEmpty()) {
            pending.forEach((k, a) -> (k.startsWith("m.") ? m : v).put(k.substring(2), a));
            pending.clear();
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

    /** One group's moments and scratch space as flat buffers, with a view per parameter. */
    private final class FlatMoments {
        final List<String> names;
        final INDArray mFlat;
        final INDArray vFlat;
        final INDArray scratch;
        final INDArray delta;
        final List<INDArray> deltaView = new ArrayList<>();
        final DataType dataType;

        FlatMoments(List<String> names, Map<String, INDArray> params, DataType dataType) {
            this.names = List.copyOf(names);
            this.dataType = dataType;
            long total = 0;
            for (String n : names) {
                total += params.get(n).length();
            }
            mFlat = Nd4j.zeros(dataType, total);
            vFlat = Nd4j.zeros(dataType, total);
            scratch = Nd4j.zeros(dataType, total);
            delta = Nd4j.zeros(dataType, total);
            long off = 0;
            for (String n : names) {
                long[] shape = params.get(n).shape();
                m.put(n, FlatViews.view(mFlat, off, shape)); // the optimiser's state maps hold the views
                v.put(n, FlatViews.view(vFlat, off, shape));
                deltaView.add(FlatViews.view(delta, off, shape));
                off += params.get(n).length();
            }
        }

        boolean allHaveGradients(Map<String, INDArray> grads) {
            for (String n : names) {
                if (!grads.containsKey(n)) {
                    return false;
                }
            }
            return true;
        }

        void update(Map<String, INDArray> params, Map<String, INDArray> grads, double glr, double wd,
                double stepSize, double bc2Sqrt) {
            List<INDArray> gs = new ArrayList<>(names.size());
            for (String n : names) {
                INDArray gr = grads.get(n);
                gs.add(gr.dataType() == dataType ? gr : gr.castTo(dataType));
            }
            INDArray g = Nd4j.toFlattened('c', gs);
            scratch.assign(g).subi(mFlat).muli(1 - beta1); // lerp(m, g, 1 - β1) for weight < 0.5
            mFlat.addi(scratch);
            vFlat.muli(beta2).addi(scratch.assign(g).muli(g).muli(1 - beta2));
            Transforms.sqrt(scratch.assign(vFlat), false).divi(bc2Sqrt).addi(eps);
            delta.assign(mFlat).divi(scratch).muli(stepSize);
            for (int k = 0; k < names.size(); k++) {
                INDArray p = params.get(names.get(k));
                if (wd != 0) {
                    p.muli(1 - glr * wd);
                }
                p.subi(deltaView.get(k));
            }
        }
    }
}
