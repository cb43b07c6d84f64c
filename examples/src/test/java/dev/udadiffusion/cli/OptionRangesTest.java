package dev.udadiffusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every numeric option of every command declares its range, and a value outside it (or NaN, ±∞ for floating-point
 * options) is a usage error before any work: exit code 2 and one line naming the command, the option and the range.
 * The cases are derived from the commands' own {@link Range} annotations, so a new option is covered as it lands.
 */
class OptionRangesTest {

    @Test
    void everyNumericOptionHasARange() {
        assertEquals(List.of(), OptionRanges.unranged(Udadiff.commandLine()));
    }

    static Stream<Arguments> badValues() {
        List<Arguments> l = new ArrayList<>();
        collect(Udadiff.commandLine(), l);
        assertTrue(l.size() > 100, "cases: " + l.size());
        return l.stream();
    }

    private static void collect(CommandLine cl, List<Arguments> l) {
        for (OptionSpec o : cl.getCommandSpec().options()) {
            Range r = OptionRanges.range(o);
            if (r == null) {
                continue;
            }
            Class<?> t = o.type();
            boolean floating = t == double.class || t == Double.class || t == float.class || t == Float.class;
            List<String> bad = new ArrayList<>();
            if (floating) {
                bad.addAll(List.of("NaN", "Infinity", "-Infinity"));
            }
            if (!Double.isInfinite(r.min())) {
                bad.add(floating ? (r.minExclusive() ? fmt(r.min()) : fmt(r.min() - 1e-3 * Math.max(1, Math.abs(r.min()))))
                        : Long.toString((long) r.min() - 1));
            }
            if (!Double.isInfinite(r.max())) {
                bad.add(floating ? fmt(r.max() + 1e-3 * Math.max(1, Math.abs(r.max()))) : Long.toString((long) r.max() + 1));
            }
            for (String v : bad) {
                l.add(Arguments.of(cl.getCommandSpec().qualifiedName() + " " + o.longestName() + "=" + v, cl, o, v));
            }
        }
        cl.getSubcommands().values().forEach(sub -> collect(sub, l));
    }

    private static String fmt(double d) {
        return Double.toString(d);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badValues")
    void outOfRangeIsAUsageErrorBeforeAnyWork(String name, CommandLine cl, OptionSpec o, String value) {
        List<String> args = new ArrayList<>();
        List<String> path = new ArrayList<>();
        for (CommandLine c = cl; c.getParent() != null; c = c.getParent()) {
            path.add(0, c.getCommandName());
        }
        args.addAll(path);
        for (OptionSpec req : cl.getCommandSpec().options().stream().filter(OptionSpec::required).toList()) {
            if (req != o) {
                args.add(req.longestName());
                args.add(dummy(req));
            }
        }
        cl.getCommandSpec().positionalParameters().forEach(p -> args.add("/nonexistent/positional"));
        args.add(o.longestName() + "=" + value);
        var r = SafetensorsCommandTest.run(args.toArray(String[]::new));
        assertEquals(2, r.code(), name + ": " + r.err() + r.out());
        List<String> lines = r.err().lines().filter(s -> !s.isBlank()).toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).contains(o.longestName()) && lines.get(0).contains("must be"), lines.get(0));
        assertTrue(lines.get(0).startsWith("udadiff " + String.join(" ", path) + ":"), lines.get(0));
    }

    private static String dummy(OptionSpec o) {
        Class<?> t = o.type();
        if (t == Path.class) {
            return "/nonexistent/required";
        }
        if (t.isArray() || List.class.isAssignableFrom(t)) {
            return "1";
        }
        return Number.class.isAssignableFrom(t) || t.isPrimitive() ? "1" : "x";
    }
}
