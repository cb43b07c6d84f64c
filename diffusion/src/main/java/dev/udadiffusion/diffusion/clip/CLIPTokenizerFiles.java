package dev.udadiffusion.diffusion.clip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Reads a tokenizer folder's files: {@code vocab.json}, {@code merges.txt} and the special-token settings. */
final class CLIPTokenizerFiles {

    /** The special tokens and the model's maximum length. */
    record Special(String bos, String eos, String pad, int maxLength) {
    }

    private CLIPTokenizerFiles() {
    }

    /** Token → id. */
    static Map<String, Integer> vocab(Path vocabFile) {
        ObjectMapper json = new ObjectMapper();
        Map<String, Integer> vocab = new HashMap<>();
        try {
            JsonNode v = json.readTree(vocabFile.toFile());
            if (v == null || !v.isObject()) {
                throw new IllegalArgumentException(vocabFile + ": not a JSON object of token ids");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().canConvertToInt()) {
                    throw new IllegalArgumentException(vocabFile + ": id of '" + e.getKey() + "' is not an integer");
                }
                vocab.put(e.getKey(), e.getValue().intValue());
            }
        } catch (FileNotFoundException | NoSuchFileException e) {
            throw new IllegalArgumentException(vocabFile + ": file does not exist", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(vocabFile + ": unreadable (" + e.getMessage() + ")", e);
        }
        return vocab;
    }

    /** Merge pair "a b" → rank, CLIP's first 48,894 merges. */
    static Map<String, Integer> merges(Path mergesFile) {
        Map<String, Integer> ranks = new HashMap<>();
        try (BufferedReader r = Files.newBufferedReader(mergesFile, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            int rank = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (lineNo == 1 && line.startsWith("#version")) {
                    continue;
                }
                if (line.isEmpty()) {
                    continue;
                }
                if (rank >= 49152 - 256 - 2) {
                    break; // CLIP uses only the first 48894 merges
                }
                String[] p = line.split(" ");
                if (p.length != 2) {
                    throw new IllegalArgumentException(mergesFile + ":" + lineNo + ": expected two symbols, got '" + line + "'");
                }
                ranks.putIfAbsent(p[0] + " " + p[1], rank++);
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(mergesFile + ": file does not exist", e);
        } catch (IOException e) {
            throw new IllegalArgumentException(mergesFile + ": unreadable (" + e.getMessage() + ")", e);
        }
        return ranks;
    }

    /**
     * From {@code special_tokens_map.json} then {@code tokenizer_config.json} when present (the latter wins), else
     * CLIP's defaults.
     */
    static Special special(Path dir) {
        ObjectMapper json = new ObjectMapper();
        String bosT = "<|startoftext|>";
        String eosT = "<|endoftext|>";
        String padT = "<|endoftext|>";
        int maxLen = 77;
        Path cfgFile = dir.resolve("tokenizer_config.json");
        Path mapFile = dir.resolve("special_tokens_map.json");
        try {
            for (Path f : List.of(mapFile, cfgFile)) {
                if (!Files.isRegularFile(f)) {
                    continue;
                }
                JsonNode c = json.readTree(f.toFile());
                bosT = token(c.get("bos_token"), bosT);
                eosT = token(c.get("eos_token"), eosT);
                padT = token(c.get("pad_token"), padT);
                if (c.has("model_max_length") && c.get("model_max_length").canConvertToInt()) {
                    maxLen = c.get("model_max_length").intValue();
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(dir + ": unreadable tokenizer config (" + e.getMessage() + ")", e);
        }
        return new Special(bosT, eosT, padT, maxLen);
    }

    private static String token(JsonNode n, String dflt) {
        if (n == null || n.isNull()) {
            return dflt;
        }
        return n.isTextual() ? n.textValue() : n.path("content").asText(dflt);
    }
}
