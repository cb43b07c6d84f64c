package dev.udadiffusion.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FingerprintsTest {

    @Test
    void fileHashIsSha256AndFolderHashFollowsContentNotLocation(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("a.safetensors");
        Files.writeString(f, "abc");
        // SHA-256("abc"), FIPS 180-2 test vector
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Fingerprints.sha256(f));
        Path m1 = Files.createDirectories(dir.resolve("m1/unet"));
        Files.writeString(m1.resolve("diffusion_pytorch_model.safetensors"), "weights");
        Files.writeString(m1.resolve("config.json"), "{}");
        Path m2 = Files.createDirectories(dir.resolve("elsewhere/m2/unet"));
        Files.writeString(m2.resolve("diffusion_pytorch_model.safetensors"), "weights");
        assertEquals(Fingerprints.sha256(dir.resolve("m1")), Fingerprints.sha256(dir.resolve("elsewhere/m2")));
        Files.writeString(m2.resolve("diffusion_pytorch_model.safetensors"), "weightz");
        assertNotEquals(Fingerprints.sha256(dir.resolve("m1")), Fingerprints.sha256(dir.resolve("elsewhere/m2")));
        assertThrows(IllegalArgumentException.class, () -> Fingerprints.sha256(dir.resolve("missing")));
        assertThrows(IllegalArgumentException.class, () -> Fingerprints.sha256(Files.createDirectories(dir.resolve("empty"))));
    }
}
