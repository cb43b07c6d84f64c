package dev.udadiffusion.cli;

import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Checks every numeric option of the commands about to run against its {@link Range}, and that no {@code --out} is an
 * existing file, before any work or write.
 */
final class OptionRanges {

    private OptionRanges() {
    }

    /** Throws a {@link CommandLine.ParameterException} (exit code 2) naming the first option out of its range. */
    static void check(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            CommandSpec spec = p.commandSpec();
            for (OptionSpec o : spec.options()) {
                String problem = o.longestName().equals("--out") ? outputProblem(o) : problem(o);
                if (problem != null) {
                    throw new CommandLine.ParameterException(p.commandSpec().commandLine(),
                            o.longestName() + "=" + o.getValue() + ": " + problem);
                }
            }
        }
    }

    /** An output folder that is an existing file would fail only after the work: refuse it first. */
    static String outputProblem(OptionSpec o) {
        return o.getValue() instanceof Path p && Files.exists(p) && !Files.isDirectory(p)
                ? "is a file; give a folder (new or existing)" : null;
    }

    /** What is wrong with the option's current value, or null. */
    static String problem(OptionSpec o) {
        Object v = o.getValue();
        if (!(v instanceof Number n)) {
            return null;
        }
        double d = n.doubleValue();
        Range r = range(o);
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return "must be a finite number" + (r == null ? "" : " in " + describe(r));
        }
        if (r == null) {
            return null;
        }
        boolean low = r.minExclusive() ? d <= r.min() : d < r.min();
        return low || d > r.max() ? "must be in " + describe(r) : null;
    }

    /** The option's range annotation, or null (a field without one, or a method-backed option). */
    static Range range(OptionSpec o) {
        return o.userObject() instanceof Field f ? f.getAnnotation(Range.class) : null;
    }

    /** The numeric options of a command tree that have no {@link Range} (must be none). */
    static List<String> unranged(CommandLine root) {
        List<String> missing = new ArrayList<>();
        collect(root, missing);
        return missing;
    }

    private static void collect(CommandLine cl, List<String> missing) {
        for (OptionSpec o : cl.getCommandSpec().options()) {
            Class<?> t = o.type();
            boolean numeric = Number.class.isAssignableFrom(t) || (t.isPrimitive() && t != boolean.class);
            if (numeric && range(o) == null) {
                missing.add(cl.getCommandName() + " " + o.longestName());
            }
        }
        cl.getSubcommands().values().forEach(sub -> collect(sub, missing));
    }

    static String describe(Range r) {
        String lo = Double.isInfinite(r.min()) ? "(-∞" : (r.minExclusive() ? "(" : "[") + format(r.min());
        String hi = Double.isInfinite(r.max()) ? "∞)" : format(r.max()) + "]";
        return lo + ", " + hi;
    }

    private static String format(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
