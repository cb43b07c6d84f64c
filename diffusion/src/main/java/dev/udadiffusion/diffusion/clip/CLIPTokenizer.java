package dev.udadiffusion.diffusion.clip;

import dev.udadiffusion.core.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OpenAI CLIP's byte-level BPE tokenizer, as transformers' {@code CLIPTokenizer} (with ftfy) runs it for Stable
 * Diffusion: clean the text ({@link TextCleaner}), split with CLIP's pattern (special tokens, English contractions,
 * letter runs, single digits, other non-space runs), map UTF-8 bytes to GPT-2's printable characters, merge by
 * {@code merges.txt} rank with {@code </w>} marking word ends, look up {@code vocab.json}. Encoding adds bos, truncates
 * to {@code model_max_length − 2} tokens, adds eos and pads with the pad token.
 *
 * <p>Thread-safe; BPE results are cached per word.
 */
public final class CLIPTokenizer {

    private static final Pattern PAT = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);

    private final Map<String, Integer> vocab;
    private final Map<String, Integer> ranks;
    private final String[] byteChars = new String[256];
    private final Map<String, String> cache = new ConcurrentHashMap<>();
    private final int bos;
    private final int eos;
    private final int pad;
    private final int maxLength;
    private final String bosToken;
    private final String eosToken;

    /** An encoded batch: ids and attention mask, [N, maxLength] each. */
    public record Encoding(long[][] inputIds, long[][] attentionMask) {
    }

    private CLIPTokenizer(Map<String, Integer> vocab, Map<String, Integer> ranks, String bosToken, String eosToken,
            String padToken, int maxLength, Path dir) {
        this.vocab = vocab;
        this.ranks = ranks;
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.bos = id(bosToken, dir);
        this.eos = id(eosToken, dir);
        this.pad = id(padToken, dir);
        this.maxLength = maxLength;
        for (int b = 0; b < 256; b++) {
            byteChars[b] = new String(Character.toChars(unicodeFor(b)));
        }
        cache.put(bosToken, bosToken);
        cache.put(eosToken, eosToken);
    }

    private int id(String token, Path dir) {
        Integer i = vocab.get(token);
        if (i == null) {
            throw new IllegalArgumentException(dir + "/vocab.json: special token '" + token + "' is not in the vocabulary");
        }
        return i;
    }

    /** GPT-2's bytes_to_unicode: printable bytes map to themselves, the others to 256, 257, … in byte order. */
    private static int unicodeFor(int b) {
        if (printable(b)) {
            return b;
        }
        int n = 0;
        for (int x = 0; x < b; x++) {
            if (!printable(x)) {
                n++;
            }
        }
        return 256 + n;
    }

    private static boolean printable(int b) {
        return b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF;
    }

    /** The files of CLIP ViT-L/14's tokenizer (SD1.5's), bundled with the library (OpenAI's BPE vocabulary, MIT). */
    public static final List<String> BUNDLED_FILES = List.of("vocab.json", "merges.txt",
            "tokenizer_config.json", "special_tokens_map.json");

    /**
     * Writes the bundled SD1.5 tokenizer as a diffusers {@code tokenizer/} folder (each file atomically) — how the toy
     * model zoo gets the real tokenizer without a download.
     */
    public static void writeBundled(Path dir) {
        for (String f : BUNDLED_FILES) {
            AtomicFiles.write(dir.resolve(f), "bundled tokenizer file", tmp -> {
                try (InputStream in = CLIPTokenizer.class.getResourceAsStream("tokenizer/" + f)) {
                    if (in == null) {
                        throw new IOException("bundled tokenizer file " + f + " missing from the jar");
                    }
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                }
            });
        }
    }

    /**
     * Loads a diffusers {@code tokenizer/} folder: {@code vocab.json}, {@code merges.txt} and (optionally)
     * {@code tokenizer_config.json} / {@code special_tokens_map.json} for the special tokens and model_max_length.
     */
    public static CLIPTokenizer load(Path dir) {
        CLIPTokenizerFiles.Special sp = CLIPTokenizerFiles.special(dir);
        return new CLIPTokenizer(CLIPTokenizerFiles.vocab(dir.resolve("vocab.json")),
                CLIPTokenizerFiles.merges(dir.resolve("merges.txt")), sp.bos(), sp.eos(), sp.pad(), sp.maxLength(), dir);
    }


    public int bosTokenId() {
        return bos;
    }

    public int eosTokenId() {
        return eos;
    }

    public int padTokenId() {
        return pad;
    }

    public int modelMaxLength() {
        return maxLength;
    }

    /** BPE token ids of {@code text} without bos/eos, untruncated. */
    public List<Integer> tokenize(String text) {
        String clean = TextCleaner.clean(text);
        List<Integer> ids = new ArrayList<>();
        Matcher m = PAT.matcher(clean);
        while (m.find()) {
            String piece = m.group();
            if (piece.equals(bosToken) || piece.equals(eosToken)) {
                ids.add(vocab.get(piece)); // special tokens written in the text are recognised as such
                continue;
            }
            StringBuilder sb = new StringBuilder();
            for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                sb.append(byteChars[b & 0xff]);
            }
            for (String t : bpe(sb.toString()).split(" ")) {
                Integer id = vocab.get(t);
                if (id == null) {
                    throw new IllegalStateException("BPE produced '" + t + "', which is not in the vocabulary");
                }
                ids.add(id);
            }
        }
        return ids;
    }

    /** [bos] + tokens + [eos], untruncated and unpadded. */
    public List<Integer> encodeUnpadded(String text) {
        List<Integer> ids = new ArrayList<>();
        ids.add(bos);
        ids.addAll(tokenize(text));
        ids.add(eos);
        return ids;
    }

    /** Number of BPE tokens beyond what fits ({@code model_max_length − 2}); 0 when the prompt fits. */
    public int overflow(String text) {
        return Math.max(0, tokenize(text).size() - (maxLength - 2));
    }

    /** Encodes prompts to [N, model_max_length]: bos, at most max−2 tokens, eos, then pad; mask 1 on bos..eos. */
    public Encoding encode(List<String> texts) {
        long[][] ids = new long[texts.size()][maxLength];
        long[][] mask = new long[texts.size()][maxLength];
        for (int i = 0; i < texts.size(); i++) {
            List<Integer> toks = tokenize(texts.get(i));
            int n = Math.min(toks.size(), maxLength - 2);
            Arrays.fill(ids[i], pad);
            ids[i][0] = bos;
            for (int j = 0; j < n; j++) {
                ids[i][j + 1] = toks.get(j);
            }
            ids[i][n + 1] = eos;
            for (int j = 0; j < n + 2; j++) {
                mask[i][j] = 1;
            }
        }
        return new Encoding(ids, mask);
    }

    private String bpe(String token) {
        String cached = cache.get(token);
        if (cached != null) {
            return cached;
        }
        int[] cps = token.codePoints().toArray();
        List<String> word = new ArrayList<>();
        for (int i = 0; i < cps.length; i++) {
            String s = new String(Character.toChars(cps[i]));
            word.add(i == cps.length - 1 ? s + "</w>" : s);
        }
        while (word.size() > 1) {
            int best = Integer.MAX_VALUE;
            int at = -1;
            for (int i = 0; i < word.size() - 1; i++) {
                Integer r = ranks.get(word.get(i) + " " + word.get(i + 1));
                if (r != null && r < best) {
                    best = r;
                    at = i;
                }
            }
            if (at < 0) {
                break;
            }
            String first = word.get(at);
            String second = word.get(at + 1);
            List<String> merged = new ArrayList<>(word.size());
            for (int i = 0; i < word.size();) {
                if (i < word.size() - 1 && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i += 2;
                } else {
                    merged.add(word.get(i));
                    i++;
                }
            }
            word = merged;
        }
        String r = String.join(" ", word);
        if (cache.size() < 1_000_000) {
            cache.put(token, r);
        }
        return r;
    }
}
