package dev.udadiffusion.diffusion.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.core.parity.Fixture;
import dev.udadiffusion.core.parity.ParityChecker;
import dev.udadiffusion.core.parity.Tolerance;
import dev.udadiffusion.diffusion.clip.CLIPTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Parity for CLIP tokenizer fixtures: a folder with vocab.json, merges.txt, the tokenizer configs and cases.json
 * (texts). Outputs out.input_ids and out.attention_mask [N, 77], compared exactly.
 */
public final class ClipTokenizerParityChecker implements ParityChecker {

    @Override
    public String kind() {
        return "clip-tokenizer";
    }

    @Override
    public boolean accepts(Fixture f) {
        return Files.isRegularFile(f.dir().resolve("cases.json")) && Files.isRegularFile(f.dir().resolve("vocab.json"));
    }

    @Override
    public Map<String, INDArray> compute(Fixture f) {
        CLIPTokenizer tok = CLIPTokenizer.load(f.dir());
        List<String> texts = new ArrayList<>();
        try {
            JsonNode cases = new ObjectMapper().readTree(f.dir().resolve("cases.json").toFile()).get("cases");
            cases.forEach(c -> texts.add(c.get("text").asText()));
        } catch (IOException e) {
            throw new UncheckedIOException(f.dir() + "/cases.json: " + e.getMessage(), e);
        }
        CLIPTokenizer.Encoding e = tok.encode(texts);
        return Map.of("out.input_ids", Nd4j.createFromArray(e.inputIds()), "out.attention_mask",
                Nd4j.createFromArray(e.attentionMask()));
    }

    @Override
    public Tolerance tolerance(Fixture f, String output) {
        return Tolerance.EXACT;
    }
}
