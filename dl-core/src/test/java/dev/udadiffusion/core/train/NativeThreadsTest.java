package dev.udadiffusion.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.nn.Graphs;
import dev.udadiffusion.core.state.Init;
import dev.udadiffusion.core.state.Layout;
import dev.udadiffusion.core.state.Params;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

class NativeThreadsTest {

    @Test
    void limitIsScopedAndNested() {
        int before = NativeThreads.current();
        try (NativeThreads outer = NativeThreads.limit(1)) {
            assertEquals(1, NativeThreads.current());
            try (NativeThreads inner = NativeThreads.limit(2)) {
                assertEquals(1, NativeThreads.current(), "the tighter limit stays");
            }
            assertEquals(1, NativeThreads.current());
        }
        assertEquals(before, NativeThreads.current());
        try (NativeThreads outer = NativeThreads.limit(2)) {
            try (NativeThreads inner = NativeThreads.limit(1)) {
                assertEquals(1, NativeThreads.current());
            }
            assertEquals(Math.min(2, before), NativeThreads.current());
        }
        assertEquals(before, NativeThreads.current());
        assertThrows(IllegalArgumentException.class, () -> NativeThreads.limit(0));
    }

    /** Limits opened and closed on different threads, out of order: the count is the smallest open one, then the base. */
    @Test
    void limitsFromSeveralThreadsKeepTheSmallestAndRestoreTheBase() throws Exception {
        int before = NativeThreads.current();
        NativeThreads a = NativeThreads.limit(1);
        java.util.concurrent.ExecutorService other = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            NativeThreads b = other.submit(() -> NativeThreads.limit(2)).get();
            assertEquals(1, NativeThreads.current());
            a.close(); // the first one closes first: b's limit now rules, not the count from before a
            assertEquals(Math.min(2, before), NativeThreads.current());
            a.close(); // closing twice changes nothing
            assertEquals(Math.min(2, before), NativeThreads.current());
            other.submit(b::close).get();
            assertEquals(before, NativeThreads.current());
        } finally {
            other.shutdown();
        }
    }

    @Test
    void trainingCountLeavesOneCoreUnlessSet() {
        String old = System.getProperty(NativeThreads.TRAIN_PROPERTY);
        try {
            System.clearProperty(NativeThreads.TRAIN_PROPERTY);
            assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors() - 1), NativeThreads.forTraining());
            assertEquals(Runtime.getRuntime().availableProcessors(), NativeThreads.forConvTraining());
            System.setProperty(NativeThreads.TRAIN_PROPERTY, "3");
            assertEquals(3, NativeThreads.forTraining());
            assertEquals(3, NativeThreads.forConvTraining(), "the override applies to both");
            System.setProperty(NativeThreads.TRAIN_PROPERTY, "-1");
            assertThrows(IllegalArgumentException.class, NativeThreads::forTraining);
            assertThrows(IllegalArgumentException.class, NativeThreads::forConvTraining);
            System.setProperty(NativeThreads.TRAIN_PROPERTY, "two");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, NativeThreads::forTraining);
            assertTrue(e.getMessage().contains(NativeThreads.TRAIN_PROPERTY) && e.getMessage().contains("\"two\""), e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(NativeThreads.TRAIN_PROPERTY);
            } else {
                System.setProperty(NativeThreads.TRAIN_PROPERTY, old);
            }
        }
    }

    /** The loop's steps run under the training count; its batch source (which may run inference) under the full one. */
    @Test
    void trainingLoopStepsUnderTheTrainingCount(@TempDir Path dir) {
        SameDiff sd = Graphs.newTrainingSameDiff();
        Params p = Params.init(sd, DataType.FLOAT, 1);
        SDVariable w = p.get("w", new long[] {4}, Layout.TORCH, Init.zeros());
        SDVariable d = w.sub(1.0);
        d.mul(d).sum().rename("loss");
        TrainingGraph g = new TrainingGraph(sd, "loss", Map.of("w", p.varName("w")), p);
        Trainer t = new Trainer(g, AdamW.of(List.of("w"), 0), LrSchedule.constant(), 0.1, 0);
        int before = NativeThreads.current();
        List<Integer> inStep = new ArrayList<>();
        List<Integer> inSource = new ArrayList<>();
        TrainingLoop.run(t, (step, micro, rng) -> {
            inSource.add(NativeThreads.current());
            return Map.of();
        }, TrainingSettings.builder(dir).steps(3).keepCheckpoints(1).logEvery(0).build(), 0, (step, total, r, sps) -> { }, List.of(),
                outs -> inStep.add(NativeThreads.current()));
        int n = NativeThreads.forTraining();
        assertEquals(List.of(n, n, n), inStep);
        assertEquals(List.of(before, before, before), inSource);
        assertEquals(before, NativeThreads.current());
        assertTrue(g.parameterArrays().get("w").getDouble(0) > 0.1, "the steps moved w toward 1");
    }
}
