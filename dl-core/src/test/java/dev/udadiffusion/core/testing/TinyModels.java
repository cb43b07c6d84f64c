package dev.udadiffusion.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Lays out the tiny reference models as a user would have them on disk: a diffusers Stable Diffusion folder and a
 * diffusers ControlNet folder (copies of the fixture configs and weights).
 */
public final class TinyModels {

    private TinyModels() {
    }

    /** A diffusers SD folder under {@code dir}/tiny-sd with a DDIM scheduler (SD1.5 scheduler config). */
    public static Path stableDiffusion(Path dir) {
        try {
            Path root = Files.createDirectories(dir.resolve("tiny-sd"));
            Files.writeString(root.resolve("model_index.json"), "{\"_class_name\": \"StableDiffusionPipeline\", "
                    + "\"_diffusers_version\": \"0.35.2\", \"unet\": [\"diffusers\", \"UNet2DConditionModel\"], "
                    + "\"vae\": [\"diffusers\", \"AutoencoderKL\"], \"text_encoder\": [\"transformers\", \"CLIPTextModel\"], "
                    + "\"tokenizer\": [\"transformers\", \"CLIPTokenizer\"], \"scheduler\": [\"diffusers\", \"DDIMScheduler\"], "
                    + "\"safety_checker\": [null, null], \"feature_extractor\": [null, null]}");
            component(root, "unet", "unet_tiny", "diffusion_pytorch_model.safetensors");
            component(root, "vae", "vae_tiny", "diffusion_pytorch_model.safetensors");
            component(root, "text_encoder", "clip_text_tiny", "model.safetensors");
            Path tok = Files.createDirectories(root.resolve("tokenizer"));
            for (String f : new String[] {"vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"}) {
                Files.copy(TestData.reference("clip_tokenizer").resolve(f), tok.resolve(f));
            }
            ObjectMapper om = new ObjectMapper();
            JsonNode p = om.readTree(TestData.reference("pipeline_tiny").resolve("config.json").toFile());
            ObjectNode sched = ((ObjectNode) p.get("scheduler")).deepCopy();
            sched.put("_class_name", "DDIMScheduler");
            Files.createDirectories(root.resolve("scheduler"));
            Files.writeString(root.resolve("scheduler/scheduler_config.json"), sched.toPrettyString());
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A diffusers ControlNet folder (the 20-channel mask ControlNet of the fixtures) under {@code dir}/tiny-controlnet. */
    public static Path controlNet(Path dir) {
        try {
            Path root = Files.createDirectories(dir.resolve("tiny-controlnet"));
            copyConfig(TestData.reference("controlnet_tiny"), root);
            Files.copy(TestData.reference("controlnet_tiny").resolve("weights.safetensors"),
                    root.resolve("diffusion_pytorch_model.safetensors"));
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void component(Path root, String name, String fixture, String weightsName) throws IOException {
        Path d = Files.createDirectories(root.resolve(name));
        copyConfig(TestData.reference(fixture), d);
        Files.copy(TestData.reference(fixture).resolve("weights.safetensors"), d.resolve(weightsName));
    }

    /** config.json without the fixture's "reference" block. */
    private static void copyConfig(Path fixture, Path to) throws IOException {
        ObjectNode c = (ObjectNode) new ObjectMapper().readTree(fixture.resolve("config.json").toFile());
        c.remove("reference");
        Files.writeString(to.resolve("config.json"), c.toPrettyString());
    }
}
