package dev.udadiffusion.controlnet;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.parity.ErrorMetrics;
import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.testing.TestData;
import dev.udadiffusion.core.testing.TinyModels;
import dev.udadiffusion.diffusion.clip.CLIPTextConfig;
import dev.udadiffusion.diffusion.pipeline.GenerationRequest;
import dev.udadiffusion.diffusion.pipeline.StableDiffusion;
import dev.udadiffusion.diffusion.unet.UNet2DConditionConfig;
import dev.udadiffusion.diffusion.vae.AutoencoderKLConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Whole models from disk: a diffusers folder and a single-file LDM checkpoint reproduce the reference pipeline. */
class StableDiffusionLoadingTest {

    static final Path PIPE = TestData.reference("pipeline_tiny");

    static GenerationRequest request(SafetensorsFile io) {
        return GenerationRequest.of(List.of("car, road, sky, rider, bicycle, vegetation, building"), 0)
                .withNegativePrompts(List.of("")).withSize(128, 128).withSteps(3).withGuidance(7.5)
                .withLatents(io.load("in.latents"));
    }

    @Test
    void diffusersFolderReproducesTheReferenceImage(@TempDir Path dir) {
        Path folder = TinyModels.stableDiffusion(dir);
        try (StableDiffusion sd = StableDiffusion.load(folder); SafetensorsFile io = SafetensorsFile.open(PIPE.resolve("io.safetensors"))) {
            INDArray img = sd.pipeline(null).generate(request(io)).images().permute(0, 2, 3, 1);
            assertTrue(ErrorMetrics.of(img, io.load("out.sd.image")).maxAbs() < 1e-3);
        }
    }

    @Test
    void singleFileCheckpointWithExplicitConfigsAndTokenizer() throws Exception {
        Path ldm = TestData.reference("ldm_checkpoint_tiny");
        var cfg = new ObjectMapper().readTree(ldm.resolve("config.json").toFile());
        StableDiffusion.Options o = StableDiffusion.Options.defaults().withTokenizer(TestData.reference("clip_tokenizer"))
                .withConfigs(Configs.read(cfg.get("unet"), UNet2DConditionConfig.class, "unet"),
                        Configs.read(cfg.get("vae"), AutoencoderKLConfig.class, "vae"),
                        Configs.read(cfg.get("text_encoder"), CLIPTextConfig.class, "text_encoder"));
        try (StableDiffusion sd = StableDiffusion.load(ldm.resolve("weights.safetensors"), o);
                SafetensorsFile io = SafetensorsFile.open(PIPE.resolve("io.safetensors"))) {
            INDArray img = sd.pipeline("DDIMScheduler").generate(request(io)).images().permute(0, 2, 3, 1);
            assertTrue(ErrorMetrics.of(img, io.load("out.sd.image")).maxAbs() < 1e-3);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StableDiffusion.load(ldm.resolve("weights.safetensors")));
        assertTrue(e.getMessage().contains("no tokenizer"), e.getMessage());
    }

    @Test
    void pickleAndBrokenFoldersAreRefusedClearly(@TempDir Path dir) throws Exception {
        Path ckpt = Files.writeString(dir.resolve("model.ckpt"), "x");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StableDiffusion.load(ckpt)).getMessage()
                .contains("pickle"));
        Path folder = TinyModels.stableDiffusion(dir);
        Files.move(folder.resolve("vae"), dir.resolve("vae-moved"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StableDiffusion.load(folder));
        assertTrue(e.getMessage().contains("'vae' is missing"), e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> StableDiffusion.load(dir.resolve("vae-moved")))
                .getMessage().contains("model_index.json"));
    }
}
