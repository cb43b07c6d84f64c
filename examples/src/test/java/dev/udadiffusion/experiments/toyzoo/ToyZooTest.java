package dev.udadiffusion.experiments.toyzoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.udadiffusion.controlnet.ControlNetModel;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.udadiffusion.core.io.Fingerprints;
import dev.udadiffusion.experiments.QuickLoop;
import dev.udadiffusion.experiments.RecordingLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The quick zoo runs every stage (a few steps each), writes a diffusers folder with its provenance, and resumes without
 * retraining.
 */
class ToyZooTest {

    @Test
    void quickZooTrainsEveryStageRecordsItsProvenanceAndResumes() throws Exception {
        QuickLoop.Zoo first = QuickLoop.zoo();
        Path zoo = first.result().zoo();
        assertEquals(List.of("vae", "prior", "source", "target", "controlnet", "controlnet_oracle", "controlnet_lightweight"),
                List.copyOf(first.result().trained().keySet()));
        for (String stage : List.of("== vae", "== prior", "== source", "== target", "== controlnet: ", "== controlnet_oracle",
                "== controlnet_lightweight", "toy zoo complete")) {
            assertTrue(first.log().has(stage), stage + " in\n" + first.log());
        }
        assertEquals(3, first.result().trained().get("controlnet").steps());
        JsonNode z = new ObjectMapper().readTree(first.result().zooJson().toFile());
        assertEquals(3, z.get("seed").asLong());
        assertTrue(z.get("command").asText().contains("--quick"));
        assertTrue(z.hasNonNull("commit"));
        assertEquals(ToyZooOptions.quick(3), ToyZooOptions.fromJson(z.get("options")), "the recipe round-trips zoo.json");
        for (String c : List.of("vae", "unet", "unet_source", "unet_target", "controlnet", "controlnet_oracle",
                "controlnet_lightweight")) {
            Path w = zoo.resolve(c).resolve("diffusion_pytorch_model.safetensors");
            assertEquals(Fingerprints.sha256(w), z.get("sha256").get(c + "/diffusion_pytorch_model.safetensors").asText(), c);
            assertTrue(Files.isRegularFile(zoo.resolve("logs").resolve(
                    (c.equals("unet") ? "prior" : c.replace("unet_", "")) + "_loss.png")), c);
        }
        assertEquals(3, z.get("stages").get("controlnet").get("steps").asInt(), z.toPrettyString());
        assertEquals(z.get("commit"), z.get("stages").get("controlnet").get("commit"), "each stage names its commit");
        assertEquals(z.get("command"), z.get("stages").get("vae").get("command"));
        assertTrue(Files.isRegularFile(zoo.resolve("logs/controlnet_rcs_times_sampled.json")));
        // the oracle draws target pairs uniformly (the thesis: random crops), the lightweight one keeps the full one's RCS
        assertTrue(!Files.exists(zoo.resolve("logs/controlnet_oracle_rcs_times_sampled.json")));
        assertTrue(Files.isRegularFile(zoo.resolve("logs/controlnet_lightweight_rcs_times_sampled.json")));
        lightweightDiffersFromTheFullOneOnlyInItsZeroConvolutions(zoo);
        // the VAE's latent scale was measured, not left at 1
        double scale = new ObjectMapper().readTree(zoo.resolve("vae/config.json").toFile()).get("scaling_factor").asDouble();
        assertTrue(scale > 0 && scale != 1.0, "scaling_factor " + scale);

        // rerun: every stage is done, weights untouched, stage records kept
        String before = Fingerprints.sha256(zoo.resolve("controlnet/diffusion_pytorch_model.safetensors"));
        RecordingLog again = new RecordingLog();
        ToyZoo.Result r2 = ToyZoo.train(zoo, ToyZooOptions.quick(3), "udadiff toyzoo train --quick --seed 3", again);
        assertTrue(r2.trained().isEmpty() && !again.has("== ") && again.has("toy zoo complete"), again.toString());
        assertEquals(before, Fingerprints.sha256(zoo.resolve("controlnet/diffusion_pytorch_model.safetensors")));
        JsonNode z2 = new ObjectMapper().readTree(zoo.resolve("zoo.json").toFile());
        assertEquals(z.get("stages"), z2.get("stages"), "stage records survive a resume");

        // a zoo.json from before per-stage provenance: its stages get the commit and command of the run that made them
        ObjectNode legacy = (ObjectNode) z2;
        legacy.put("commit", "0123abc").put("command", "udadiff toyzoo train --old");
        ((ObjectNode) legacy.get("stages").get("vae")).remove(List.of("commit", "command"));
        Files.writeString(zoo.resolve("zoo.json"), legacy.toPrettyString());
        try {
            ToyZoo.train(zoo, ToyZooOptions.quick(3), "udadiff toyzoo train --quick --seed 3", new RecordingLog());
            JsonNode z3 = new ObjectMapper().readTree(zoo.resolve("zoo.json").toFile());
            assertEquals("0123abc", z3.get("stages").get("vae").get("commit").asText());
            assertEquals("udadiff toyzoo train --old", z3.get("stages").get("vae").get("command").asText());
            assertEquals(z.get("stages").get("prior"), z3.get("stages").get("prior"));
        } finally {
            Files.writeString(zoo.resolve("zoo.json"), z.toPrettyString()); // the shared zoo as it was made
        }
    }

    @Test
    void optionsRefuseBadSettingsAndRoundTripZooJson() {
        ToyZooOptions o = ToyZooOptions.standard(7).withSnrGamma(2.5);
        assertEquals(o, ToyZooOptions.fromJson(o.toJson()));
        assertEquals(2.5, o.unets().snrGamma());
        assertEquals(ToyZooOptions.standard(7).withSnrGamma(5.0), ToyZooOptions.standard(7), "standard is Min-SNR-γ 5");
        var e = assertThrows(IllegalArgumentException.class, () -> o.withSnrGamma(-1));
        assertTrue(e.getMessage().contains("snrGamma must be ≥ 0"), e.getMessage());
        ObjectNode n = o.toJson();
        n.remove("klWeight");
        var missing = assertThrows(IllegalArgumentException.class,
                () -> ToyZooOptions.fromJson(n));
        assertTrue(missing.getMessage().contains("\"klWeight\""), missing.getMessage());
    }

    /** §5.1: the lightweight ControlNet is the full one with only its zero convolutions retrained. */
    private static void lightweightDiffersFromTheFullOneOnlyInItsZeroConvolutions(Path zoo) {
        try (ControlNetModel full = ControlNetModel.load(zoo.resolve("controlnet"));
                ControlNetModel light = ControlNetModel.load(zoo.resolve("controlnet_lightweight"))) {
            int trained = 0;
            for (String k : full.params().specs().keySet()) {
                boolean same = full.params().array(k).equals(light.params().array(k));
                if (ControlNetModel.isZeroConvolution(k)) {
                    // reset to zero, then trained: non-zero and not the full one's
                    trained += !same && light.params().array(k).amaxNumber().doubleValue() > 0 ? 1 : 0;
                } else {
                    assertTrue(same, k + " changed in the lightweight ControlNet");
                }
            }
            assertTrue(trained > 0, "no zero convolution trained");
        }
    }
}
