package dev.udadiffusion.core.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PretrainedFolderTest {

    @TempDir
    Path dir;

    @Test
    void prefersTheSingleFileThenTheShardIndexThenTheOnlySafetensorsWhenAllowed() throws Exception {
        Files.writeString(dir.resolve("config.json"), "{}");
        Files.writeString(dir.resolve("diffusion_pytorch_model.safetensors.index.json"), "{}");
        assertEquals(dir.resolve("diffusion_pytorch_model.safetensors.index.json"),
                PretrainedFolder.weights(dir, PretrainedFolder.DIFFUSERS, false));
        Files.writeString(dir.resolve("diffusion_pytorch_model.safetensors"), "x");
        assertEquals(dir.resolve("diffusion_pytorch_model.safetensors"),
                PretrainedFolder.weights(dir, PretrainedFolder.DIFFUSERS, false));
        // transformers' name is absent: only the folder's one safetensors file, and only when any name is allowed
        IllegalArgumentException strict = assertThrows(IllegalArgumentException.class,
                () -> PretrainedFolder.weights(dir, PretrainedFolder.TRANSFORMERS, false));
        assertTrue(strict.getMessage().contains("no model.safetensors"), strict.getMessage());
        assertEquals(dir.resolve("diffusion_pytorch_model.safetensors"),
                PretrainedFolder.weights(dir, PretrainedFolder.TRANSFORMERS, true));
        Files.writeString(dir.resolve("other.safetensors"), "x");
        IllegalArgumentException two = assertThrows(IllegalArgumentException.class,
                () -> PretrainedFolder.weights(dir, PretrainedFolder.TRANSFORMERS, true));
        assertTrue(two.getMessage().contains("found 2 other *.safetensors files"), two.getMessage());
    }

    @Test
    void picklesAreRefusedByName() throws Exception {
        Files.writeString(dir.resolve("config.json"), "{}");
        Files.writeString(dir.resolve("diffusion_pytorch_model.bin"), "pickle");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PretrainedFolder.weights(dir, PretrainedFolder.DIFFUSERS, true));
        assertTrue(e.getMessage().startsWith(dir.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("diffusion_pytorch_model.bin") && e.getMessage().contains("convert it to safetensors"),
                e.getMessage());
    }

    @Test
    void aMissingFolderOrConfigIsNamed() {
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> PretrainedFolder.config(dir.resolve("absent")));
        assertTrue(none.getMessage().contains("absent: not a folder"), none.getMessage());
        IllegalArgumentException noConfig = assertThrows(IllegalArgumentException.class, () -> PretrainedFolder.config(dir));
        assertTrue(noConfig.getMessage().contains("no config.json"), noConfig.getMessage());
    }
}
