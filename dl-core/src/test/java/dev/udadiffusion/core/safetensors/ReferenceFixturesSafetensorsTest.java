package dev.udadiffusion.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.core.testing.TestData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Every safetensors file the reference Python stack wrote for the fixtures opens, its content is what the reference
 * wrote (sha256 from the manifest of the run that made it; a file in no manifest fails), each tensor loads to the same values as a plain byte decode, and writing
 * the loaded tensors back gives a byte-identical file.
 */
class ReferenceFixturesSafetensorsTest {

    @TempDir
    Path tmp;

    static Stream<Path> fixtureFiles() throws IOException {
        try (Stream<Path> s = Files.walk(TestData.root().resolve("reference"))) {
            List<Path> l = s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
            assertFalse(l.isEmpty());
            return l.stream();
        }
    }

    /** The reference generator's manifests (one per generation run): every fixture file is in at least one. */
    static List<Path> manifests() throws IOException {
        try (Stream<Path> s = Files.list(TestData.root().resolve("reference"))) {
            List<Path> l = s.filter(p -> p.getFileName().toString().endsWith("manifest.json")).sorted().toList();
            assertEquals(4, l.size(), "extra_manifest.json, manifest.json, pipeline_img2img_manifest.json, segformer_manifest.json: " + l);
            return l;
        }
    }

    @ParameterizedTest
    @MethodSource("fixtureFiles")
    void opensMatchesManifestAndRewritesByteIdentically(Path file) throws Exception {
        byte[] original = Files.readAllBytes(file);
        String folder = file.getParent().getFileName().toString();
        List<String> listed = new ArrayList<>();
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(original));
        for (Path m : manifests()) {
            JsonNode entry = new ObjectMapper().readTree(m.toFile()).path("fixtures").path(folder)
                    .path(file.getFileName().toString());
            if (!entry.isMissingNode()) {
                assertEquals(entry.path("sha256").asText(), sha, file + " differs from the reference's " + m.getFileName());
                listed.add(m.getFileName().toString());
            }
        }
        assertFalse(listed.isEmpty(), file + " is in no reference manifest: its content cannot be checked");
        List<SafetensorsWriter.Tensor> back = new ArrayList<>();
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertFalse(st.names().isEmpty());
            for (TensorInfo t : st.infos()) {
                INDArray a = st.load(t.name());
                assertArrayEquals(t.shape(), a.shape(), t.name());
                ByteBuffer raw = st.bytes(t.name());
                if (t.dtype() == DType.F32 && t.numel() > 0) {
                    // spot-check values against a plain little-endian decode of the bytes
                    float[] v = a.reshape(t.numel()).toFloatVector();
                    for (int i = 0; i < v.length; i += Math.max(1, v.length / 17)) {
                        assertEquals(raw.getFloat(4 * i), v[i], t.name() + "[" + i + "]");
                    }
                }
                back.add(new SafetensorsWriter.Tensor(t.name(), t.dtype(), t.shape(), raw));
            }
            Path out = tmp.resolve(file.getFileName());
            SafetensorsWriter.write(out, back, st.metadata());
            assertTrue(java.util.Arrays.equals(original, Files.readAllBytes(out)),
                    "rewriting " + file + " did not reproduce the reference bytes");
        }
    }
}
