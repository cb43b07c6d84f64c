package dev.udadiffusion.core.state;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What happened when a checkpoint was bound to a graph: parameters the checkpoint lacked, checkpoint tensors the graph
 * has no place for, shape mismatches, keys two checkpoint tensors claim at once, and keys ignored by the format's
 * mapping table.
 */
public record LoadReport(String source, int loaded, List<String> missing, List<String> unexpected,
        List<String> mismatched, List<String> conflicts, List<String> ignored) {

    public LoadReport {
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
        mismatched = List.copyOf(mismatched);
        conflicts = List.copyOf(conflicts);
        ignored = List.copyOf(ignored);
    }

    /** True when every parameter was loaded from the checkpoint and every checkpoint tensor was used. */
    public boolean isClean() {
        return missing.isEmpty() && unexpected.isEmpty() && mismatched.isEmpty() && conflicts.isEmpty();
    }

    /** Throws a {@link StateDictException} listing every problem unless the report is clean. */
    public LoadReport requireClean() {
        if (!isClean()) {
            throw new StateDictException(summary(), this);
        }
        return this;
    }

    /** One line for an error message: the source and the first few problem keys of each kind. */
    public String summary() {
        List<String> parts = new ArrayList<>();
        brief(parts, "missing", missing);
        brief(parts, "unexpected", unexpected);
        brief(parts, "with the wrong shape", mismatched);
        brief(parts, "claimed twice", conflicts);
        return source + ": does not fit the model: " + String.join("; ", parts);
    }

    private static void brief(List<String> parts, String what, List<String> keys) {
        if (!keys.isEmpty()) {
            parts.add(keys.size() + " " + what + " (" + String.join(", ", keys.subList(0, Math.min(3, keys.size())))
                    + (keys.size() > 3 ? ", …)" : ")"));
        }
    }

    /** A multi-line description: counts, then every problem key. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(source).append(": loaded ").append(loaded).append(" tensors");
        if (isClean()) {
            return sb.append(", no problems").toString();
        }
        sb.append("; ").append(missing.size()).append(" missing, ").append(unexpected.size()).append(" unexpected, ")
                .append(mismatched.size()).append(" with the wrong shape, ").append(conflicts.size())
                .append(" conflicting");
        section(sb, "missing from the checkpoint", missing);
        section(sb, "unexpected (no such parameter in the model)", unexpected);
        section(sb, "wrong shape", mismatched);
        section(sb, "claimed by more than one checkpoint tensor", conflicts);
        return sb.toString();
    }

    private static void section(StringBuilder sb, String title, List<String> keys) {
        if (keys.isEmpty()) {
            return;
        }
        sb.append("\n  ").append(title).append(":");
        List<String> sorted = new ArrayList<>(keys);
        Collections.sort(sorted);
        for (String k : sorted) {
            sb.append("\n    ").append(k);
        }
    }

    @Override
    public String toString() {
        return describe();
    }
}
