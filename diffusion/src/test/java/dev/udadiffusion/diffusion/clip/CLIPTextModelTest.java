package dev.udadiffusion.diffusion.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.parity.ErrorMetrics;
import dev.udadiffusion.core.parity.ParityHarness;
import dev.udadiffusion.core.parity.ParityResult;
import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.testing.TestData;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

class CLIPTextModelTest {

    static final Path CLIP = TestData.reference("clip_text_tiny");

    static CLIPTextModel tiny() {
        return CLIPTextModel.load(CLIPTextConfig.read(CLIP.resolve("config.json")), CLIP.resolve("weights.safetensors"));
    }

    @Test
    void parityWithTokenizerAndEncoderFixtures() {
        ParityHarness h = ParityHarness.withRegisteredCheckers();
        List<ParityResult> rs = new java.util.ArrayList<>(h.checkFixture(CLIP));
        rs.addAll(h.checkFixture(TestData.reference("clip_tokenizer")));
        assertEquals(9, rs.size());
        rs.forEach(r -> assertEquals(ParityResult.Status.PASS, r.status(), r.line()));
    }

    @Test
    void promptEncoderTokenizesLikeTheFixtureAndStacksUncondFirst() {
        try (CLIPTextModel m = tiny(); SafetensorsFile io = SafetensorsFile.open(CLIP.resolve("io.safetensors"))) {
            PromptEncoder pe = new PromptEncoder(CLIPTokenizer.load(TestData.reference("clip_tokenizer")), m);
            List<String> prompts = List.of("car, road, sky, rider, bicycle, vegetation, building",
                    "A driving scene in heavy fog at night, photorealistic, dashcam view");
            INDArray emb = pe.encode(prompts, 0);
            assertTrue(ErrorMetrics.of(emb, io.load("out.last_hidden_state")).maxAbs() < 1e-4);
            INDArray skip = pe.encode(prompts, 1);
            assertTrue(ErrorMetrics.of(skip, io.load("out.clip_skip1_prompt_embeds")).maxAbs() < 1e-4);
            INDArray cfg = pe.encodeForGuidance(prompts.subList(0, 1), null, 0);
            assertArrayEquals(new long[] {2, 77, 32}, cfg.shape());
            assertTrue(ErrorMetrics.of(cfg.get(NDArrayIndex.interval(1, 2)), io.load("out.last_hidden_state")
                    .get(NDArrayIndex.interval(0, 1))).maxAbs() < 1e-4);
            INDArray empty = pe.encode(List.of(""), 0);
            assertEquals(0.0, ErrorMetrics.of(cfg.get(NDArrayIndex.interval(0, 1)), empty).maxAbs(), 1e-5); // batch size changes BLAS blocking
            assertThrows(IllegalArgumentException.class, () -> pe.encodeForGuidance(prompts, List.of("x"), 0));
            assertThrows(IllegalArgumentException.class, () -> m.encode(new long[][] {{1, 2}}, 0));
        }
    }

    @Test
    void ldmSingleFileTextEncoderLoads() throws Exception {
        Path ldm = TestData.reference("ldm_checkpoint_tiny");
        CLIPTextConfig cfg = Configs.read(new ObjectMapper().readTree(ldm.resolve("config.json").toFile()).get("text_encoder"),
                CLIPTextConfig.class, "ldm text encoder config");
        try (CLIPTextModel a = CLIPTextModel.load(cfg, ldm.resolve("weights.safetensors"));
                CLIPTextModel b = tiny();
                SafetensorsFile io = SafetensorsFile.open(ldm.resolve("io.safetensors"))) {
            assertTrue(a.loadReport().ignored().stream().anyMatch(k -> k.endsWith("position_ids")));
            for (String k : b.params().specs().keySet()) {
                assertEquals(b.params().torchValue(k), a.params().torchValue(k), k);
            }
            INDArray got = a.encode(io.load("in.text_encoder.input_ids").toLongMatrix(), 0);
            assertTrue(ErrorMetrics.of(got, io.load("out.text_encoder.last_hidden_state")).maxAbs() < 1e-4);
        }
    }
}
