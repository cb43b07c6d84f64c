package dev.udadiffusion.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class EmaTest {

    /** diffusers' EMAModel.step: optimization_step += 1; s = max(0, step − 1); d = 0 if s ≤ 0 else min(decay, (1+s)/(10+s)). */
    private static double diffusersDecay(int optimizationStep, double decay) {
        int s = Math.max(0, optimizationStep - 1);
        return s <= 0 ? 0.0 : Math.min(decay, (1.0 + s) / (10.0 + s));
    }

    @Test
    void followsDiffusersWarmUpAndContinuesAfterAResume() {
        double[] values = {3.0, -1.0, 0.5, 2.0, 7.0, -4.0, 1.5, 0.25};
        INDArray p = Nd4j.scalar(DataType.DOUBLE, 10.0).reshape(1);
        Ema ema = new Ema(Map.of("w", p), 0.6);
        double shadow = 10.0; // plain-double oracle
        for (int n = 1; n <= values.length; n++) {
            p.assign(values[n - 1]);
            ema.update(Map.of("w", p));
            double d = diffusersDecay(n, 0.6);
            shadow = d * shadow + (1 - d) * values[n - 1];
            assertEquals(shadow, ema.weights().get("w").getDouble(0), 1e-12, "update " + n);
            if (n == 4) { // a resumed run: the shadow restored from its checkpoint, the count from the step
                Ema resumed = new Ema(Map.of("w", ema.weights().get("w")), 0.6, ema.updates());
                ema = resumed;
            }
        }
        assertEquals(0.0, ema.decayAt(1));
        assertEquals(2.0 / 11.0, ema.decayAt(2), 1e-15);
        assertEquals(0.6, ema.decayAt(1000));
        assertThrows(IllegalArgumentException.class, () -> new Ema(Map.of(), 1.0));
    }

    /** Several arrays (the flat path) and mixed data types (one array each) match the rule applied array by array. */
    @Test
    void flatAndPerArrayShadowsFollowTheRuleBitForBit() {
        for (DataType second : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            Nd4j.getRandom().setSeed(7);
            Map<String, INDArray> params = new java.util.LinkedHashMap<>();
            params.put("a", Nd4j.randn(DataType.FLOAT, 3, 4));
            params.put("b", Nd4j.randn(second, 5));
            params.put("c", Nd4j.randn(DataType.FLOAT, 2, 1, 3));
            Map<String, INDArray> oracle = new java.util.LinkedHashMap<>();
            params.forEach((k, v) -> oracle.put(k, v.dup()));
            Ema ema = new Ema(params, 0.9);
            for (int n = 1; n <= 6; n++) {
                params.values().forEach(v -> v.addi(Nd4j.randn(v.dataType(), v.shape())));
                ema.update(params);
                double d = ema.decayAt(n);
                oracle.forEach((k, o) -> o.subi(o.sub(params.get(k)).muli(1 - d)));
            }
            for (String k : params.keySet()) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(oracle.get(k).dup().data().asDouble(),
                        ema.weights().get(k).dup().data().asDouble(), k + " with " + second);
                assertEquals(params.get(k).dataType(), ema.weights().get(k).dataType());
            }
        }
    }
}
