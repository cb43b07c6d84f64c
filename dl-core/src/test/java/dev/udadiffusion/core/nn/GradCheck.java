package dev.udadiffusion.core.nn;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Central finite differences (double precision) against SameDiff's gradients of {@code sum(out ⊙ R)} for a random
 * constant R, on sampled elements of every listed variable.
 */
final class GradCheck {

    private static final java.util.concurrent.atomic.AtomicInteger COUNTER = new java.util.concurrent.atomic.AtomicInteger();

    private GradCheck() {
    }

    static void check(SameDiff sd, SDVariable out, Map<String, INDArray> feeds, List<String> vars, int samplesPerVar) {
        INDArray sample = sd.output(feeds, out.name()).get(out.name());
        Random rng = new Random(3);
        INDArray r = Nd4j.rand(DataType.DOUBLE, sample.shape()).subi(0.5);
        String lossName = "gc_loss_" + COUNTER.incrementAndGet();
        SDVariable loss = out.mul(sd.constant(r)).sum(lossName);
        sd.setLossVariables(loss);
        Map<String, INDArray> grads = Graphs.quietly(() -> sd.calculateGradients(feeds, vars));
        double eps = 1e-6;
        for (String v : vars) {
            INDArray g = grads.get(v);
            assertNotNull(g, "no gradient for " + v);
            INDArray p = sd.getArrForVarName(v);
            long n = p.length();
            for (int s = 0; s < Math.min(samplesPerVar, n); s++) {
                long idx = samplesPerVar >= n ? s : (long) (rng.nextDouble() * n);
                double orig = p.getDouble(idx);
                p.putScalar(idx, orig + eps);
                double lp = sd.output(feeds, lossName).get(lossName).getDouble(0);
                p.putScalar(idx, orig - eps);
                double lm = sd.output(feeds, lossName).get(lossName).getDouble(0);
                p.putScalar(idx, orig);
                double fd = (lp - lm) / (2 * eps);
                double an = g.getDouble(idx);
                double err = Math.abs(fd - an) / Math.max(1e-6, Math.abs(fd) + Math.abs(an));
                assertTrue(err < 1e-5 || Math.abs(fd - an) < 1e-8,
                        v + "[" + idx + "]: finite difference " + fd + " vs analytic " + an);
            }
        }
    }
}
