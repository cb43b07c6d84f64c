package dev.udadiffusion.diffusion.vae;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.parity.ErrorMetrics;
import dev.udadiffusion.core.parity.ParityHarness;
import dev.udadiffusion.core.parity.ParityResult;
import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.safetensors.SafetensorsWriter;
import dev.udadiffusion.core.state.StateDictException;
import dev.udadiffusion.core.testing.TestData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class AutoencoderKLTest {

    static final Path VAE = TestData.reference("vae_tiny");
    static final Path LDM = TestData.reference("ldm_checkpoint_tiny");

    static AutoencoderKLConfig config() {
        return AutoencoderKLConfig.read(VAE.resolve("config.json"));
    }

    @Test
    void parityOnTheReferenceFixtureBothCases() {
        List<ParityResult> rs = ParityHarness.withRegisteredCheckers().checkFixture(VAE);
        assertEquals(14, rs.size(), rs.toString());
        for (ParityResult r : rs) {
            assertEquals(ParityResult.Status.PASS, r.status(), r.line());
        }
        assertTrue(rs.stream().anyMatch(r -> r.output().equals("out.case1.reconstruction")));
    }

    @Test
    void ldmSingleFileNamingLoadsTheSameWeightsBitExactly() throws Exception {
        AutoencoderKLConfig cfg = Configs.read(new ObjectMapper().readTree(LDM.resolve("config.json").toFile()).get("vae"),
                AutoencoderKLConfig.class, "ldm vae config");
        try (AutoencoderKL ldm = AutoencoderKL.load(cfg, LDM.resolve("weights.safetensors"));
                AutoencoderKL ref = AutoencoderKL.load(config(), VAE.resolve("weights.safetensors"));
                SafetensorsFile io = SafetensorsFile.open(LDM.resolve("io.safetensors"))) {
            assertTrue(ldm.loadReport().ignored().size() > 100, "unet/clip keys are ignored, not unexpected");
            assertEquals(ref.params().specs().keySet(), ldm.params().specs().keySet());
            for (String k : ref.params().specs().keySet()) {
                assertEquals(ref.params().torchValue(k), ldm.params().torchValue(k), k);
            }
            INDArray mean = ldm.encode(io.load("in.vae.image")).mean();
            assertTrue(ErrorMetrics.of(mean, io.load("out.vae.latent_mean")).maxAbs() < 1e-4);
            assertTrue(ErrorMetrics.of(ldm.decode(io.load("in.vae.z")), io.load("out.vae.decoded")).maxAbs() < 1e-4);
        }
    }

    @Test
    void oldDiffusersAttentionNamesLoad(@TempDir Path dir) {
        List<SafetensorsWriter.Tensor> renamed = new ArrayList<>();
        try (SafetensorsFile st = SafetensorsFile.open(VAE.resolve("weights.safetensors"))) {
            for (String n : st.names()) {
                String old = n.replace(".to_q.", ".query.").replace(".to_k.", ".key.").replace(".to_v.", ".value.")
                        .replace(".to_out.0.", ".proj_attn.");
                renamed.add(SafetensorsWriter.Tensor.of(old, st.load(n)));
            }
        }
        assertTrue(renamed.stream().anyMatch(t -> t.name().contains(".proj_attn.")));
        Path f = dir.resolve("old.safetensors");
        SafetensorsWriter.write(f, renamed, Map.of());
        try (AutoencoderKL old = AutoencoderKL.load(config(), f);
                AutoencoderKL ref = AutoencoderKL.load(config(), VAE.resolve("weights.safetensors"))) {
            for (String k : ref.params().specs().keySet()) {
                assertEquals(ref.params().torchValue(k), old.params().torchValue(k), k);
            }
        }
    }

    @Test
    void wrongCheckpointFailsWithAllProblemsListed(@TempDir Path dir) {
        Path f = dir.resolve("partial.safetensors");
        SafetensorsWriter.write(f, Map.of("encoder.conv_in.weight", Nd4j.zeros(32, 3, 3, 3), "bogus.weight", Nd4j.ones(2)),
                Map.of());
        StateDictException e = assertThrows(StateDictException.class, () -> AutoencoderKL.load(config(), f));
        // one line for the command line (the first keys of each kind), the whole list in the report
        assertTrue(e.getMessage().contains("bogus.weight") && e.getMessage().contains("1 unexpected"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.report().missing().size() > 100 && e.report().missing().contains("decoder.conv_out.weight"));
    }

    @Test
    void inputChecks() {
        try (AutoencoderKL vae = AutoencoderKL.random(config(), 5)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> vae.encode(Nd4j.zeros(1, 3, 30, 32)));
            assertTrue(e.getMessage().contains("multiples of 8"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> vae.decode(Nd4j.zeros(1, 3, 4, 4)));
            org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] {1, 3, 16, 24}, vae.decode(Nd4j.rand(1, 4, 2, 3)).shape());
        }
    }

    @Test
    void unsupportedConfigValuesFailByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new AutoencoderKLConfig(3, 3,
                List.of("DownEncoderBlock2D"), List.of("UpDecoderBlock2D"), List.of(32), 1, "gelu", 4, 32, 32, null, null,
                null, null, null, null));
        assertTrue(e.getMessage().contains("act_fn=gelu"));
    }
}
