package dev.udadiffusion.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocationsTest {

    @Test
    void pathsAndFileUrisAreUsedInPlaceOtherSchemesAreRemote() {
        assertTrue(Locations.isLocal("/models/sd15") && Locations.isLocal("models/sd15") && Locations.isLocal("file:/models"));
        assertFalse(Locations.isLocal("hdfs://nn:8020/models/sd15") || Locations.isLocal("s3a://bucket/models"));
        assertEquals(Path.of("/models/sd15"), Locations.local("file:///models/sd15", new Configuration()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GenerationJobSpec("/m", "auto",
                "train", false, "/sd", null, null, "/cn", "ddim",
                dev.udadiffusion.controlnet.generate.LabeledDatasetOptions.thesis(1), "s3a://bucket/out", 0));
        assertTrue(e.getMessage().contains("atomic renames"), e.getMessage());
    }

    /** A folder copied through Hadoop's FileSystem API into the cache once; a changed folder is fetched again. */
    @Test
    void remoteFoldersAreCopiedOncePerVersion(@TempDir Path dir) throws Exception {
        Path src = Files.createDirectories(dir.resolve("remote/unet"));
        Files.writeString(src.resolve("config.json"), "{}");
        Files.write(src.resolve("diffusion_pytorch_model.safetensors"), new byte[] {1, 2, 3});
        Path cache = dir.resolve("cache");
        Path first = Locations.fetch(src.toUri(), new Configuration(), cache);
        assertEquals("unet", first.getFileName().toString());
        assertEquals("{}", Files.readString(first.resolve("config.json")));
        assertEquals(3, Files.size(first.resolve("diffusion_pytorch_model.safetensors")));
        Path again = Locations.fetch(src.toUri(), new Configuration(), cache);
        assertEquals(first, again, "the cached copy is reused");
        Files.write(src.resolve("diffusion_pytorch_model.safetensors"), new byte[] {1, 2, 3, 4});
        Path changed = Locations.fetch(src.toUri(), new Configuration(), cache);
        assertFalse(changed.equals(first), "another size: fetched again");
        assertEquals(4, Files.size(changed.resolve("diffusion_pytorch_model.safetensors")));
        try (var s = Files.list(cache)) {
            List<Path> left = s.toList();
            assertEquals(2, left.size(), "two versions, no temporary folder left: " + left);
        }
        assertThrows(IllegalArgumentException.class, () -> Locations.fetch(dir.resolve("missing").toUri(),
                new Configuration(), cache));
    }
}
