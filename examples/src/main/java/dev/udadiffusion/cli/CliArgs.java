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
}
