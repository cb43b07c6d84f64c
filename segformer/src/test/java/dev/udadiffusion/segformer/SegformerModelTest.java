package dev.udadiffusion.segformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.parity.ParityHarness;
import dev.udadiffusion.core.parity.ParityResult;
import dev.udadiffusion.core.testing.TestData;
import dev.udadiffusion.segformer.train.SegformerTrainingGraph;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SegformerModelTest {

    @Test
    void parityAllOutputsAllCases() {
        List<ParityResult> rs = ParityHarness.withRegisteredCheckers().checkFixture(TestData.reference("segformer_tiny"));
        assertEquals(63, rs.size());
        rs.forEach(r -> assertEquals(ParityResult.Status.PASS, r.status(), r.line()));
    }

    @Test
    void trainStepParityIncludingBatchNormStatistics() {
        List<ParityResult> rs = ParityHarness.withRegisteredCheckers().checkFixture(TestData.reference("segformer_train_step"));
        assertEquals(197, rs.size());
        rs.forEach(r -> assertEquals(ParityResult.Status.PASS, r.status(), r.line()));
    }

    @Test
    void targetsRejectLabelsOutsideTheClassesAndAllIgnoredBatches() {
        var bad = org.nd4j.linalg.factory.Nd4j.createFromArray(new long[][][] {{{0, 1}, {20, 255}}});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SegformerTargets.oneHot(bad, 19, 255));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("label 20 at (batch 0, x=0, y=1)"), e.getMessage());
        var ignored = org.nd4j.linalg.factory.Nd4j.createFromArray(new long[][][] {{{255, 255}}});
        assertThrows(IllegalArgumentException.class, () -> SegformerTargets.oneHot(ignored, 19, 255));
    }

    /** B0…B5 presets have exactly transformers' parameter counts (and the reference configs give the same). */
    @Test
    void presetsMatchTheReferenceParameterCounts() throws Exception {
        JsonNode models = new ObjectMapper().readTree(TestData.reference("segformer_tiny").resolve("segformer_configs.json")
                .toFile()).get("models");
        int checked = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = models.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            long expected = e.getValue().path("param_counts").path("SegformerForSemanticSegmentation(num_labels=19)").asLong(-1);
            SegformerConfig fromJson = Configs.read(e.getValue().get("config"), SegformerConfig.class, e.getKey());
            SegformerConfig preset = SegformerConfig.preset(e.getKey());
            try (SegformerModel a = SegformerModel.random(preset, 1)) {
                assertEquals(expected, trainable(a), e.getKey() + " preset");
            }
            assertEquals(preset.hiddenSizes(), fromJson.hiddenSizes());
            assertEquals(preset.depths(), fromJson.depths());
            assertEquals(preset.decoderHiddenSize(), fromJson.decoderHiddenSize());
            checked++;
        }
        assertEquals(6, checked);
    }

    /** Parameters as torch counts them: running statistics are buffers. */
    static long trainable(SegformerModel m) {
        return m.params().specs().values().stream().filter(s -> !s.key().contains("running_"))
                .mapToLong(dev.udadiffusion.core.state.ParamSpec::numel).sum();
    }

    @Test
    void tooSmallImagesAreRejected() {
        try (SegformerModel m = SegformerModel.random(SegformerConfig.b0(), 1)) {
            assertThrows(IllegalArgumentException.class, () -> m.graph(16, 64));
        }
    }

    /**
     * The loss's overflow guard (logits shifted by their truncated per-pixel max) keeps loss and gradients finite at
     * logits of 1e4, where an unshifted exp overflows; and no reduce_max backward is built for it (the guard's gradient
     * is zero, and M2.1 would otherwise spend 12 % of a toy training step computing that zero).
     */
    @Test
    void lossIsOverflowSafeWithoutAMaxBackward() {
        try (SegformerModel m = SegformerModel.random(SegformerConfig.preset("mit-toy"), 3)) {
            dev.udadiffusion.core.train.TrainingGraph g = SegformerTrainingGraph.of(m, 32, 32);
            g.parameterArrays().get("decode_head.classifier.bias").putScalar(0, 1e4);
            var target = org.nd4j.linalg.factory.Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 19, 32, 32);
            target.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(1)).assign(1);
            Map<String, org.nd4j.linalg.api.ndarray.INDArray> feeds = Map.of(
                    SegformerModel.PIXELS, org.nd4j.linalg.factory.Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 3, 32, 32),
                    SegformerTrainingGraph.TARGET, target,
                    SegformerTrainingGraph.N_VALID, org.nd4j.linalg.factory.Nd4j.scalar(2f * 32 * 32));
            String bias = g.trainable().get("decode_head.classifier.bias");
            var grads = g.sd().calculateGradients(feeds, bias);
            double loss = g.sd().output(feeds, SegformerTrainingGraph.LOSS).get(SegformerTrainingGraph.LOSS).getDouble(0);
            org.junit.jupiter.api.Assertions.assertTrue(loss > 9e3 && loss < 1.1e4, "loss ≈ 1e4 (class 0 wins by 1e4): " + loss);
            // d loss / d bias: softmax − target, averaged over pixels → +1 for class 0, −1 for class 1, 0 elsewhere
            var gb = grads.get(bias);
            assertEquals(1.0, gb.getDouble(0), 1e-5);
            assertEquals(-1.0, gb.getDouble(1), 1e-5);
            assertEquals(0.0, gb.getDouble(2), 1e-5);
            List<String> bpOps = g.sd().getFunction("grad").getOps().values().stream().map(o -> o.getOp().opName()).toList();
            org.junit.jupiter.api.Assertions.assertFalse(bpOps.contains("reduce_max_bp"), "gradient graph builds a reduce_max_bp");
        }
    }
}
