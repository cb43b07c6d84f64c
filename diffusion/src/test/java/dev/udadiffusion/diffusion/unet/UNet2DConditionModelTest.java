package dev.udadiffusion.diffusion.unet;

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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class UNet2DConditionModelTest {

    static final Path UNET = TestData.reference("unet_tiny");
    static SafetensorsFile io;

    @BeforeAll
    static void open() {
        io = SafetensorsFile.open(UNET.resolve("io.safetensors"));
    }

    static UNet2DConditionModel tiny() {
        return UNet2DConditionModel.load(UNet2DConditionConfig.read(UNET.resolve("config.json")),
                UNET.resolve("weights.safetensors"));
    }

    @Test
    void parityOnUnetHalfPrecisionAndNonSquareFixtures() {
        ParityHarness h = ParityHarness.withRegisteredCheckers();
        List<ParityResult> rs = new ArrayList<>(h.checkFixture(UNET));
        rs.addAll(h.checkFixture(TestData.reference("half_precision")));
        rs.addAll(h.checkFixture(TestData.reference("unet_nonsquare_tiny"))); // diffusers on 16x24 latents
        assertEquals(6, rs.size());
        rs.forEach(r -> assertEquals(ParityResult.Status.PASS, r.status(), r.line()));
    }

    @Test
    void chunkedAttentionGivesTheReferenceOutput() {
        try (UNet2DConditionModel unet = tiny().setAttentionQueryChunk(48)) { // 256 tokens -> 6 chunks at level 0
            INDArray got = unet.predict(io.load("in.sample"), io.load("in.timesteps"), io.load("in.encoder_hidden_states"));
            assertTrue(ErrorMetrics.of(got, io.load("out.noise_pred")).maxAbs() < 1e-4);
        }
    }

    @Test
    void batchOfOneAndScalarTimestepMatchTheBatchedCall() {
        try (UNet2DConditionModel unet = tiny()) {
            INDArray ref = io.load("out.noise_pred");
            INDArray s1 = io.load("in.sample").get(NDArrayIndex.interval(1, 2)).dup();
            INDArray c1 = io.load("in.encoder_hidden_states").get(NDArrayIndex.interval(1, 2)).dup();
            INDArray one = unet.predict(s1, Nd4j.scalar(DataType.LONG, 1L), c1);
            assertTrue(ErrorMetrics.of(one, ref.get(NDArrayIndex.interval(1, 2))).maxAbs() < 1e-4);
        }
    }

    @Test
    void nonSquareLatentsAndZeroResidualsEqualThePlainCall() {
        try (UNet2DConditionModel unet = tiny()) {
            INDArray x = Nd4j.rand(DataType.FLOAT, 1, 4, 16, 24);
            INDArray ctx = Nd4j.rand(DataType.FLOAT, 1, 77, 32);
            INDArray t = Nd4j.createFromArray(500f);
            INDArray plain = unet.predict(x, t, ctx);
            assertArrayEquals(new long[] {1, 4, 16, 24}, plain.shape());
            List<INDArray> zeros = new ArrayList<>();
            long[][] shapes = {{32, 16, 24}, {32, 16, 24}, {32, 16, 24}, {32, 8, 12}, {32, 8, 12}, {32, 8, 12}, {32, 4, 6},
                    {32, 4, 6}, {32, 4, 6}, {32, 2, 3}, {64, 2, 3}, {64, 2, 3}};
            for (long[] s : shapes) {
                zeros.add(Nd4j.zeros(DataType.FLOAT, 1, s[0], s[1], s[2]));
            }
            INDArray res = unet.predict(x, t, ctx, zeros, Nd4j.zeros(DataType.FLOAT, 1, 64, 2, 3));
            assertEquals(0.0, ErrorMetrics.of(res, plain).maxAbs(), 1e-6);
            assertThrows(IllegalArgumentException.class, () -> unet.predict(Nd4j.rand(1, 4, 12, 16), t, ctx));
            assertThrows(IllegalArgumentException.class, () -> unet.predict(x, t, ctx, zeros.subList(0, 3), zeros.get(0)));
        }
    }

    @Test
    void ldmSingleFileNamingLoadsTheSameWeights() throws Exception {
        Path ldm = TestData.reference("ldm_checkpoint_tiny");
        UNet2DConditionConfig cfg = Configs.read(new ObjectMapper().readTree(ldm.resolve("config.json").toFile()).get("unet"),
                UNet2DConditionConfig.class, "ldm unet config");
        try (UNet2DConditionModel a = UNet2DConditionModel.load(cfg, ldm.resolve("weights.safetensors"));
                UNet2DConditionModel b = tiny();
                SafetensorsFile lio = SafetensorsFile.open(ldm.resolve("io.safetensors"))) {
            assertEquals(b.params().specs().keySet(), a.params().specs().keySet());
            for (String k : b.params().specs().keySet()) {
                assertEquals(b.params().torchValue(k), a.params().torchValue(k), k);
            }
            INDArray got = a.predict(lio.load("in.unet.sample"), lio.load("in.unet.timesteps"),
                    lio.load("in.unet.encoder_hidden_states"));
            assertTrue(ErrorMetrics.of(got, lio.load("out.unet.noise_pred")).maxAbs() < 1e-4);
        }
    }

    @Test
    void sd15HeadConventionAndUnsupportedOptions() {
        UNet2DConditionConfig sd = Configs.read(new ObjectMapper().createObjectNode().put("attention_head_dim", 8)
                .put("cross_attention_dim", 768), UNet2DConditionConfig.class, "sd15");
        assertEquals(List.of(8, 8, 8, 8), sd.heads()); // 8 heads everywhere: head dim 40/80/160
        var sd2 = new ObjectMapper().createObjectNode();
        sd2.putArray("attention_head_dim").add(5).add(10).add(20).add(20);
        assertEquals(List.of(5, 10, 20, 20), Configs.read(sd2, UNet2DConditionConfig.class, "sd2").heads());
        var bad = new ObjectMapper().createObjectNode().put("class_embed_type", "timestep");
        Configs.ConfigException e = assertThrows(Configs.ConfigException.class,
                () -> Configs.read(bad, UNet2DConditionConfig.class, "x/config.json"));
        assertTrue(e.getMessage().contains("class_embed_type=timestep is not supported"), e.getMessage());
    }
}
