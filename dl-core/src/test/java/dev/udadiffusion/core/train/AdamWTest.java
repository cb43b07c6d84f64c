package dev.udadiffusion.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * AdamW's flat-buffer fast path against the update rule derived by hand and against its own per-parameter path. The
 * torch fixtures (U-Net, ControlNet and SegFormer train steps) check it against torch.optim.AdamW as well.
 */
class AdamWTest {

    private static final List<String> NAMES = List.of("a.weight", "a.bias", "b.weight");

    private static Map<String, INDArray> params(long seed) {
        Nd4j.getRandom().setSeed(seed);
        Map<String, INDArray> p = new LinkedHashMap<>();
        p.put("a.weight", Nd4j.randn(DataType.FLOAT, 3, 4));
        p.put("a.bias", Nd4j.randn(DataType.FLOAT, 4));
        p.put("b.weight", Nd4j.randn(DataType.FLOAT, 2, 3, 1, 1));
        return p;
    }

    private static Map<String, INDArray> grads(Map<String, INDArray> params, long seed) {
        Nd4j.getRandom().setSeed(seed);
        Map<String, INDArray> g = new LinkedHashMap<>();
        params.forEach((k, a) -> g.put(k, Nd4j.randn(DataType.FLOAT, a.shape())));
        return g;
    }

    private static Map<String, INDArray> copy(Map<String, INDArray> m) {
        Map<String, INDArray> c = new LinkedHashMap<>();
        m.forEach((k, a) -> c.put(k, a.dup()));
        return c;
    }

    @Test
    void firstStepMovesEachWeightByLrTimesTheGradientSign() {
        // Step 1: m̂ = g and v̂ = g², so p ← p(1 − lr·wd) − lr·g / (|g| + ε): a move of lr against the gradient's sign.
        Map<String, INDArray> p = params(1);
        Map<String, INDArray> before = copy(p);
        Map<String, INDArray> g = grads(p, 2);
        double lr = 0.01;
        double wd = 0.1;
        AdamW.of(NAMES, wd).update(p, g, lr);
        for (String n : NAMES) {
            float[] p0 = before.get(n).data().asFloat();
            float[] g0 = g.get(n).data().asFloat();
            float[] p1 = p.get(n).data().asFloat();
            for (int i = 0; i < p0.length; i++) {
                double expected = p0[i] * (1 - lr * wd) - lr * g0[i] / (Math.abs(g0[i]) + 1e-8);
                assertEquals(expected, p1[i], 2e-6, n + "[" + i + "]");
            }
        }
    }

    @Test
    void flatPathIsBitIdenticalToThePerParameterPath() {
        // A parameter that never gets a gradient forces the per-parameter path for its group.
        Map<String, INDArray> flat = params(3);
        Map<String, INDArray> perParam = copy(flat);
        perParam.put("unused", Nd4j.zeros(DataType.FLOAT, 5));
        AdamW a = AdamW.of(NAMES, 0.01);
        AdamW b = AdamW.of(List.of("a.weight", "a.bias", "b.weight", "unused"), 0.01);
        for (int s = 0; s < 5; s++) {
            Map<String, INDArray> g = grads(flat, 10 + s);
            a.update(flat, g, 1e-3);
            b.update(perParam, g, 1e-3);
        }
        for (String n : NAMES) {
            assertArrayEquals(perParam.get(n).data().asFloat(), flat.get(n).data().asFloat(), n);
            assertArrayEquals(b.state().get("m." + n).dup().data().asFloat(), a.state().get("m." + n).dup().data().asFloat());
            assertArrayEquals(b.state().get("v." + n).dup().data().asFloat(), a.state().get("v." + n).dup().data().asFloat());
        }
        assertEquals(0f, perParam.get("unused").sumNumber().floatValue(), "no gradient, no update (not even decay)");
    }

    @Test
    void stateRestoredBeforeOrAfterTheFirstUpdateResumesExactly() {
        Map<String, INDArray> p = params(4);
        AdamW a = AdamW.of(NAMES, 0.01);
        for (int s = 0; s < 3; s++) {
            a.update(p, grads(p, 20 + s), 1e-3);
        }
        Map<String, INDArray> saved = new LinkedHashMap<>();
        a.state().forEach((k, v) -> saved.put(k, v.dup()));
        Map<String, INDArray> pFresh = copy(p);
        Map<String, INDArray> pWarm = copy(p);
        AdamW fresh = AdamW.of(NAMES, 0.01);
        fresh.load(saved); // before any update: kept until the flat buffers are laid out
        assertEquals(3, fresh.step());
        assertEquals(saved.keySet(), fresh.state().keySet());
        AdamW warm = AdamW.of(NAMES, 0.01);
        warm.update(copy(p), grads(p, 99), 1e-3); // lays out, then gets overwritten
        warm.load(saved);
        for (int s = 3; s < 5; s++) {
            Map<String, INDArray> g = grads(p, 20 + s);
            a.update(p, g, 1e-3);
            fresh.update(pFresh, g, 1e-3);
            warm.update(pWarm, g, 1e-3);
        }
        for (String n : NAMES) {
            assertArrayEquals(p.get(n).data().asFloat(), pFresh.get(n).data().asFloat(), n);
            assertArrayEquals(p.get(n).data().asFloat(), pWarm.get(n).data().asFloat(), n);
        }
    }

    @Test
    void restoredStateOfTheWrongShapeIsRejected() {
        Map<String, INDArray> p = params(5);
        AdamW a = AdamW.of(NAMES, 0.01);
        a.load(Map.of("m.a.bias", Nd4j.zeros(DataType.FLOAT, 5), "step", Nd4j.scalar(DataType.LONG, 1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.update(p, grads(p, 6), 1e-3));
        assertTrue(e.getMessage().contains("m.a.bias") && e.getMessage().contains("[5]"), e.getMessage());
    }
}
