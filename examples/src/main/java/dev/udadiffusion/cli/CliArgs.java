package dev.udadiffusion.cli;

import java.util.regex.Pattern;
import picocli.CommandLine;

/** Parsing of option values the commands share. */
final class CliArgs {

    private CliArgs() {
    }

    /** The largest side a size option accepts (an 8192² RGB float image is already 800 MB). */
    static final int MAX_SIDE = 8192;

    /**
     * Two integers in 1..{@link #MAX_SIDE} separated by {@code sep} ({@code 1024x512}, {@code 512:256}); else a usage
     * error naming the option.
     */
    static int[] pair(CommandLine.Model.CommandSpec spec, String v, String sep, String option) {
        String[] p = v.split(Pattern.quote(sep));
        try {
            if (p.length == 2) {
                int a = Integer.parseInt(p[0].trim());
                int b = Integer.parseInt(p[1].trim());
                if (a > 0 && b > 0 && a <= MAX_SIDE && b <= MAX_SIDE) {
                    return new int[] {a, b};
                }
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new CommandLine.ParameterException(spec.commandLine(), option + " " + v + ": expected two numbers from 1 to "
                + MAX_SIDE + " separated by '" + sep + "'");
    }

    /** The command line as typed, for a report's "what ran": {@code udadiff NAME ARGS…}. */
    static String asTyped(CommandLine.Model.CommandSpec spec) {
        java.util.List<String> given = new java.util.ArrayList<>(spec.commandLine().getParseResult().originalArgs());
        if (!given.isEmpty() && given.get(0).equals(spec.name())) {
            given.remove(0);
        }
        return ("udadiff " + spec.name() + " " + String.join(" ", given)).strip();
    }

    /** A usage error (exit 2) unless {@code zoo} holds a toy zoo. */
    static void requireZoo(CommandLine.Model.CommandSpec spec, java.nio.file.Path zoo) {
        if (!java.nio.file.Files.isRegularFile(zoo.resolve("zoo.json"))) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--zoo " + zoo + ": no zoo.json; run from the "
                    + "repository root (the zoo ships in models/toy-zoo) or make one with `udadiff toyzoo train --out DIR`");
        }
    }
}
