package dev.udadiffusion.diffusion.clip;

import java.text.Normalizer;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text clean-up the CLIP tokenizer applies before BPE: {@code whitespace_clean(ftfy.fix_text(text)).lower()}.
 * ftfy is a large heuristic library; this class implements the part of its default {@code fix_text} that changes
 * ordinary prompts, and says so:
 * <ul>
 *   <li>HTML entities are unescaped when the text contains no '&lt;' (ftfy's {@code unescape_html="auto"});</li>
 *   <li>curly quotes become straight ones ({@code uncurl_quotes});</li>
 *   <li>Latin ligatures (ﬁ, ﬂ …) and full-width/half-width forms are folded by NFKC on those characters only
 *       ({@code fix_latin_ligatures}, {@code fix_character_width});</li>
 *   <li>C0/C1 control characters other than tab/newline and a few invisible format characters are removed
 *       ({@code remove_control_chars}); then NFC.</li>
 * </ul>
 * Not done: ftfy's mojibake repair (re-decoding text that was mis-decoded as Latin-1/Windows-1252), which needs its
 * byte-sequence heuristics; prompts that are already mojibake may therefore tokenise differently.
 */
final class TextCleaner {

    private static final Pattern ENTITY = Pattern.compile("&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);");
    private static final Map<String, String> NAMED = Map.ofEntries(Map.entry("amp", "&"), Map.entry("lt", "<"),
            Map.entry("gt", ">"), Map.entry("quot", "\""), Map.entry("apos", "'"), Map.entry("nbsp", "\u00a0"),
            Map.entry("ndash", "\u2013"), Map.entry("mdash", "\u2014"), Map.entry("hellip", "\u2026"),
            Map.entry("lsquo", "\u2018"), Map.entry("rsquo", "\u2019"), Map.entry("ldquo", "\u201c"),
            Map.entry("rdquo", "\u201d"), Map.entry("copy", "\u00a9"), Map.entry("reg", "\u00ae"),
            Map.entry("deg", "\u00b0"), Map.entry("eacute", "\u00e9"), Map.entry("egrave", "\u00e8"),
            Map.entry("uuml", "\u00fc"), Map.entry("ouml", "\u00f6"), Map.entry("auml", "\u00e4"),
            Map.entry("szlig", "\u00df"), Map.entry("times", "\u00d7"));
    /** Python's str.split / re \s whitespace (Unicode White_Space plus the C0 separators). */
    private static final Pattern WHITESPACE = Pattern.compile("[\\s\\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\u001c-\\u001f]+");

    private TextCleaner() {
    }

    static String clean(String text) {
        if (isPlainAscii(text)) {
            // nothing for ftfy to fix in printable ASCII without entities: only whitespace and case
            return WHITESPACE.matcher(text).replaceAll(" ").strip().toLowerCase(Locale.ROOT);
        }
        String t = text;
        if (t.indexOf('<') < 0 && t.indexOf('&') >= 0) {
            t = unescapeHtml(t);
        }
        t = uncurlQuotes(t);
        t = foldLigaturesAndWidth(t);
        t = removeControlChars(t);
        t = Normalizer.normalize(t, Normalizer.Form.NFC);
        t = WHITESPACE.matcher(t).replaceAll(" ").strip();
        return t.toLowerCase(Locale.ROOT);
    }

    private static boolean isPlainAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x7f || c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == '&') {
                return false;
            }
        }
        return true;
    }

    static String unescapeHtml(String s) {
        Matcher m = ENTITY.matcher(s);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String e = m.group(1);
            String rep = null;
            if (e.startsWith("#x") || e.startsWith("#X")) {
                rep = codePoint(Integer.parseInt(e.substring(2), 16));
            } else if (e.startsWith("#")) {
                rep = codePoint(Integer.parseInt(e.substring(1)));
            } else {
                rep = NAMED.get(e);
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(rep == null ? m.group() : rep));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private static String codePoint(int cp) {
        return Character.isValidCodePoint(cp) ? new String(Character.toChars(cp)) : "\ufffd";
    }

    private static String uncurlQuotes(String s) {
        return s.replaceAll("[\u2018\u2019\u201a\u201b\u2032]", "'").replaceAll("[\u201c\u201d\u201e\u201f\u2033]", "\"");
    }

    private static String foldLigaturesAndWidth(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            boolean ligature = cp >= 0xFB00 && cp <= 0xFB06 || cp == 0x0132 || cp == 0x0133 || cp == 0x01C4
                    || cp >= 0x01C5 && cp <= 0x01CC || cp >= 0x01F1 && cp <= 0x01F3;
            boolean width = cp >= 0xFF01 && cp <= 0xFFEE || cp == 0x3000;
            String ch = new String(Character.toChars(cp));
            sb.append(ligature || width ? Normalizer.normalize(ch, Normalizer.Form.NFKC) : ch);
        });
        return sb.toString();
    }

    private static String removeControlChars(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> {
            boolean control = cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r' && cp != 0x0c && cp != 0x0b
                    && !(cp >= 0x1c && cp <= 0x1f) || cp == 0x7f || cp >= 0x80 && cp <= 0x9f && cp != 0x85
                    || cp == 0xfeff || cp >= 0xfff9 && cp <= 0xfffc;
            if (!control) {
                sb.appendCodePoint(cp);
            }
        });
        return sb.toString();
    }
}
