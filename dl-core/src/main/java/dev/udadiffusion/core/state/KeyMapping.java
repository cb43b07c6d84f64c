package dev.udadiffusion.core.state;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renames the keys of one checkpoint format to the graph's (diffusers/transformers) keys: an ordered table of regular
 * expression substitutions applied one after the other (like diffusers' conversion scripts: strip the prefix, then
 * rename blocks, then sub-modules), each with an optional tensor transform, plus patterns of keys to ignore. One table
 * per format, kept as data next to the model that needs it; model code never does string surgery on keys.
 */
public final class KeyMapping {

    /** A tensor change that goes with a rename. */
    public enum Transform {
        NONE,
        /** 1×1 conv weight {@code [O, I, 1, 1]} used as a Linear weight {@code [O, I]} (LDM attention). */
        SQUEEZE_1X1,
        /** The first half of the rows of a fused tensor (mmseg's {@code attn.kv} → key). */
        FIRST_HALF,
        /** The second half of the rows (→ value). */
        SECOND_HALF,
        /**
         * A 1×1 conv over a concatenation of same-width features, stored for the concatenation in the other order: the
         * input channels {@code [O, k·O, …]} are {@code k} blocks of {@code O}, taken in reverse order (DAFormer's
         * SegFormer head concatenates stages c1…c4, transformers' c4…c1).
         */
        REVERSE_INPUT_BLOCKS
    }

    /** Every match of {@code from} in the key is replaced by {@code to} ({@code $1}… group references allowed). */
    public record Rule(Pattern from, String to, Transform transform, String toSecond) {
        Rule(Pattern from, String to, Transform transform) {
            this(from, to, transform, null);
        }
    }

    /** Where a checkpoint key goes: the graph key and the transform to apply. */
    public record Target(String key, Transform transform) {
    }

    /** The identity mapping: checkpoint keys are graph keys. */
    public static final KeyMapping IDENTITY = new KeyMapping(List.of(), List.of());

    private final List<Rule> rules;
    private final List<Pattern> ignored;

    private KeyMapping(List<Rule> rules, List<Pattern> ignored) {
        this.rules = List.copyOf(rules);
        this.ignored = List.copyOf(ignored);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The graph key for checkpoint key {@code key}: every rule is applied in order to the result of the previous ones;
     * the transform of the last rule that matched with a transform is kept. Keys matching an ignore pattern (checked on
     * the original key, in full) map to empty.
     */
    public Optional<Target> map(String key) {
        List<Target> all = mapAll(key);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(0));
    }

    /** As {@link #map}, where a split rule turns one checkpoint tensor into two graph keys (row halves). */
    public List<Target> mapAll(String key) {
        for (Pattern p : ignored) {
            if (p.matcher(key).matches()) {
                return List.of();
            }
        }
        List<Target> cur = new ArrayList<>(List.of(new Target(key, Transform.NONE)));
        for (Rule r : rules) {
            List<Target> next = new ArrayList<>();
            for (Target c : cur) {
                Matcher m = r.from().matcher(c.key());
                if (!m.find()) {
                    next.add(c);
                } else if (r.toSecond() != null) {
                    next.add(new Target(m.replaceAll(r.to()), Transform.FIRST_HALF));
                    next.add(new Target(r.from().matcher(c.key()).replaceAll(r.toSecond()), Transform.SECOND_HALF));
                } else {
                    next.add(new Target(m.replaceAll(r.to()), r.transform() != Transform.NONE ? r.transform() : c.transform()));
                }
            }
            cur = next;
        }
        return cur;
    }

    /** This table's rules and ignores, then {@code other}'s. */
    public KeyMapping orElse(KeyMapping other) {
        Builder b = builder();
        b.rules.addAll(rules);
        b.rules.addAll(other.rules);
        b.ignored.addAll(ignored);
        b.ignored.addAll(other.ignored);
        return b.build();
    }

    /** Builds a table. */
    public static final class Builder {
        private final List<Rule> rules = new ArrayList<>();
        private final List<Pattern> ignored = new ArrayList<>();

        public Builder rename(String regex, String replacement) {
            return rename(regex, replacement, Transform.NONE);
        }

        public Builder rename(String regex, String replacement, Transform t) {
            rules.add(new Rule(Pattern.compile(regex), replacement, t));
            return this;
        }

        /** A fused tensor whose first rows go to {@code first}, the rest to {@code second} (equal halves). */
        public Builder split(String regex, String first, String second) {
            rules.add(new Rule(Pattern.compile(regex), first, Transform.NONE, second));
            return this;
        }

        /** Appends another table's rename rules (not its ignore patterns), to extend a format. */
        public Builder renames(KeyMapping other) {
            rules.addAll(other.rules);
            return this;
        }

        /** Keys that carry no parameters of ours (buffers, scheduler tables); not reported as unexpected. */
        public Builder ignore(String regex) {
            ignored.add(Pattern.compile(regex));
            return this;
        }

        public KeyMapping build() {
            return new KeyMapping(rules, ignored);
        }
    }
}
