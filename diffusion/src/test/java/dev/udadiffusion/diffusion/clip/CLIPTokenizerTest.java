package dev.udadiffusion.diffusion.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.core.testing.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CLIPTokenizerTest {

    static final Path DIR = TestData.reference("clip_tokenizer");

    static List<Integer> ints(JsonNode a) {
        List<Integer> l = new ArrayList<>();
        a.forEach(x -> l.add(x.intValue()));
        return l;
    }

    @Test
    void everyCaseMatchesTheReferenceExactly() throws Exception {
        CLIPTokenizer tok = CLIPTokenizer.load(DIR);
        JsonNode cases = new ObjectMapper().readTree(DIR.resolve("cases.json").toFile()).get("cases");
        List<String> mismatches = new ArrayList<>();
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            List<Integer> expected = ints(c.get("ids"));
            CLIPTokenizer.Encoding e = tok.encode(List.of(text));
            List<Integer> got = new ArrayList<>();
            for (long v : e.inputIds()[0]) {
                got.add((int) v);
            }
            if (!expected.equals(got)) {
                mismatches.add(text + "\n  expected " + ints(c.get("ids_unpadded")) + "\n  got      " + tok.encodeUnpadded(text));
            }
            List<Integer> mask = ints(c.get("attention_mask"));
            for (int j = 0; j < mask.size(); j++) {
                assertEquals((long) mask.get(j), e.attentionMask()[0][j], text);
            }
        }
        assertTrue(mismatches.isEmpty(), mismatches.size() + " mismatches:\n" + String.join("\n", mismatches));
    }

    /**
     * A large batch (the BPE cache warm after the first prompts) gives each prompt exactly the ids a fresh tokenizer
     * gives it alone: BOS, the prompt's tokens, EOS, padding, and a mask over BOS…EOS. Timing is a benchmark's job.
     */
    @Test
    void tenThousandPromptsTokenizeAsEachAlone() {
        CLIPTokenizer tok = CLIPTokenizer.load(DIR);
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            prompts.add("a photo of a street in city " + (i % 50) + ", road, sidewalk, car, rider, sky, night " + (i % 7));
        }
        CLIPTokenizer.Encoding batch = tok.encode(prompts);
        assertEquals(10_000, batch.inputIds().length);
        for (int i = 0; i < 10_000; i += 97) {
            CLIPTokenizer.Encoding alone = CLIPTokenizer.load(DIR).encode(List.of(prompts.get(i)));
            assertArrayEquals(alone.inputIds()[0], batch.inputIds()[i], prompts.get(i));
            assertArrayEquals(alone.attentionMask()[0], batch.attentionMask()[i], prompts.get(i));
            List<Integer> content = tok.encodeUnpadded(prompts.get(i));
            long[] row = batch.inputIds()[i];
            assertEquals(tok.bosTokenId(), row[0]);
            assertEquals(tok.eosTokenId(), row[content.size() - 1]);
            assertEquals(content.size(), java.util.Arrays.stream(batch.attentionMask()[i]).sum());
        }
    }

    @Test
    void missingOrCorruptFilesAreNamed(@TempDir Path dir) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CLIPTokenizer.load(dir));
        assertTrue(e.getMessage().contains("vocab.json") && e.getMessage().contains("does not exist"), e.getMessage());
        Files.copy(DIR.resolve("vocab.json"), dir.resolve("vocab.json"));
        e = assertThrows(IllegalArgumentException.class, () -> CLIPTokenizer.load(dir));
        assertTrue(e.getMessage().contains("merges.txt"), e.getMessage());
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\ni n\nbroken-line\n");
        e = assertThrows(IllegalArgumentException.class, () -> CLIPTokenizer.load(dir));
        assertTrue(e.getMessage().contains("merges.txt:3"), e.getMessage());
        Files.writeString(dir.resolve("vocab.json"), "[1, 2");
        e = assertThrows(IllegalArgumentException.class, () -> CLIPTokenizer.load(dir));
        assertTrue(e.getMessage().contains("vocab.json"), e.getMessage());
    }
}
