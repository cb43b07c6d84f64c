package dev.udadiffusion.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

class ShardedSafetensorsTest {

    @TempDir
    Path dir;

    @BeforeEach
    void shards() {
        SafetensorsWriter.write(dir.resolve("model-00001-of-00002.safetensors"),
                Map.of("a.weight", Nd4j.ones(2, 2), "a.bias", Nd4j.zeros(2)), Map.of("format", "pt"));
        SafetensorsWriter.write(dir.resolve("model-00002-of-00002.safetensors"),
                Map.of("b.weight", Nd4j.linspace(1, 6, 6).reshape(2, 3)), Map.of("format", "pt"));
    }

    private Path index(String weightMap) throws Exception {
        return Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"metadata\": {\"total_size\": 48}, \"weight_map\": {" + weightMap + "}}");
    }

    @Test
    void loadsAcrossShards() throws Exception {
        Path idx = index("\"a.weight\": \"model-00001-of-00002.safetensors\", \"a.bias\": \"model-00001-of-00002.safetensors\","
                + "\"b.weight\": \"model-00002-of-00002.safetensors\"");
        try (TensorSource s = TensorSource.open(idx)) {
            assertTrue(s instanceof ShardedSafetensors);
            assertEquals(List.of("a.weight", "a.bias", "b.weight"), s.names());
            assertEquals(6.0, s.load("b.weight").getDouble(1, 2), 0);
            assertEquals("48", s.metadata().get("total_size"));
        }
    }

    @Test
    void indexAndShardsMustAgree() throws Exception {
        Path wrongShard = index("\"a.weight\": \"model-00002-of-00002.safetensors\"");
        assertTrue(assertThrows(SafetensorsException.class, () -> ShardedSafetensors.open(wrongShard)).getMessage()
                .contains("tensor 'a.weight': weight_map names shard"));
        Path unmapped = index("\"a.weight\": \"model-00001-of-00002.safetensors\"");
        assertTrue(assertThrows(SafetensorsException.class, () -> ShardedSafetensors.open(unmapped)).getMessage()
                .contains("tensor 'a.bias': tensor is in the shard but the index maps it elsewhere"));
        Path missing = index("\"a.weight\": \"model-00009.safetensors\"");
        assertTrue(assertThrows(SafetensorsException.class, () -> ShardedSafetensors.open(missing)).getMessage()
                .contains("model-00009.safetensors: file does not exist"));
        Path escape = index("\"a.weight\": \"../etc/passwd\"");
        assertTrue(assertThrows(SafetensorsException.class, () -> ShardedSafetensors.open(escape)).getMessage()
                .contains("must be a plain file name"));
        Path bad = Files.writeString(dir.resolve("x.safetensors.index.json"), "{\"weight_map\": 3}");
        assertTrue(assertThrows(SafetensorsException.class, () -> ShardedSafetensors.open(bad)).getMessage()
                .contains("'weight_map' object"));
    }
}
