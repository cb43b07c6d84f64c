package dev.udadiffusion.cli;

import java.util.regex.Pattern;
import picocli.CommandLine;

/** Parsing of option values the commands share. */
final class CliArgs {

    private CliArgs() {
    }

    /** Two positive integers separated by {@code sep} ({@code 1024x512}, {@code 512:256}); else a usage error naming the option. */
    static int[] pair(CommandLine.Model.CommandSpec spec, String v, String sep, String option) {
        String[] p = v.split(Pattern.quote(sep));
        try {
            if (p.length == 2) {
                int a = Integer.parseInt(p[0].trim());
                int b = Integer.parseInt(p[1].trim());
                if (a > 0 && b > 0) {
                    return new int[] {a, b};
                }
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new CommandLine.ParameterException(spec.commandLine(), option + " " + v + ": expected two positive numbers "
                + "separated by '" + sep + "'");
    }
}
