package dev.udadiffusion.segformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.parity.ParityHarness;
import dev.udadiffusion.core.parity.ParityResult;
import dev.udadiffusion.core.testing.TestData;
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
}
