package dev.udadiffusion.cli;

import dev.udadiffusion.core.errors.InputException;
import dev.udadiffusion.core.memory.HugePages;
import dev.udadiffusion.core.memory.RssGuard;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code udadiff} command line. Each subcommand is a small class; the work itself lives in the library modules so
 * that it can be called from code and tests.
 */
@Command(name = "udadiff", mixinStandardHelpOptions = true, versionProvider = Udadiff.Version.class,
        description = "Diffusion-generated labeled data for domain adaptation of semantic segmentation (SameDiff/ND4J).",
        subcommands = {SafetensorsCommand.class, ParityCommand.class, GenerateCommand.class, TrainUNetCommand.class,
            TrainControlNetCommand.class, DataCommand.class, SegformerCommand.class, ToyWorldCommand.class, ToyZooCommand.class, DemoCommand.class, TableCommand.class, GenerateDatasetCommand.class, EvalAlignmentCommand.class, CommandLine.HelpCommand.class})
public final class Udadiff implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        try {
            // the launcher turns JavaCPP's per-allocation RSS check off and sets this guard's limit instead (RssGuard)
            RssGuard.fromProperty();
        } catch (IllegalArgumentException e) {
            System.err.println("udadiff: " + e.getMessage());
            System.exit(2);
        }
        // the launcher sets GLIBC_TUNABLES; a bare `java -jar` gets a one-line hint (HugePages)
        HugePages.advice().ifPresent(a -> System.err.println("udadiff: note: " + a));
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        return run(null, null, args);
    }

    /** Runs the CLI with the given output streams (null = standard ones) and returns the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        // Quiet defaults: ND4J logs a banner at INFO. A user can still pass -Dorg.slf4j.simpleLogger.defaultLogLevel.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        // ND4J warns about its own TensorFlow import table whenever a gradient graph is built; nothing a user can act on
        if (System.getProperty("org.slf4j.simpleLogger.log.org.nd4j.imports.converters.ImportClassMapping") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.org.nd4j.imports.converters.ImportClassMapping", "error");
        }
        CommandLine cl = commandLine();
        // numeric options are checked against their @Range before any command does work or writes a file
        cl.setExecutionStrategy(parsed -> {
            if (!helpRequested(parsed)) {
                // (--help with a required number left out would otherwise fail the check on its default 0)
                OptionRanges.check(parsed);
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        cl.setParameterExceptionHandler(Udadiff::usageError);
        cl.setExecutionExceptionHandler((ex, line, parse) -> failure(ex, line.getErr()));
        if (out != null) {
            cl.setOut(out);
        }
        if (err != null) {
            cl.setErr(err);
        }
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError e) {
            // sizes are bounded before work, so this is a real shortage: say which memory and how to raise it
            cl.getErr().println("udadiff: out of memory (" + e.getMessage() + "): use a smaller --size/--batch, or raise "
                    + "the limit with UDADIFF_JAVA_OPTS=-Xmx…");
            return 1;
        }
    }

    /** A usage error: one line naming the command and the option, and where the help is; exit code 2. */
    static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        String name = cmd.getCommandSpec().qualifiedName();
        cmd.getErr().println(name + ": " + ex.getMessage() + " (see '" + name + " --help')");
        return 2;
    }

    /**
     * A failure while running: problems with the user's input (files, configs, values) are one line and exit code 1.
     * Anything else is a bug or a resource limit: also one line, with the exception's type, and the stack trace only
     * when {@code UDADIFF_STACKTRACE=1}.
     */
    static int failure(Exception ex, PrintWriter err) {
        if (ex instanceof InputException || ex instanceof IllegalArgumentException || ex instanceof IllegalStateException
                || ex instanceof UncheckedIOException) {
            err.println("udadiff: " + ex.getMessage());
            return 1;
        }
        err.println("udadiff: unexpected error: " + ex + " (a bug: set UDADIFF_STACKTRACE=1 for the stack trace and "
                + "report it)");
        if ("1".equals(System.getenv("UDADIFF_STACKTRACE"))) {
            ex.printStackTrace(err);
        }
        return 1;
    }

    static CommandLine commandLine() {
        return new CommandLine(new Udadiff()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Udadiff.class.getPackage().getImplementationVersion();
            return new String[] {"udadiff " + (v == null ? "(development build)" : v)};
        }
    }

    private static boolean helpRequested(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.isUsageHelpRequested() || p.isVersionHelpRequested()) {
                return true;
            }
        }
        return false;
    }
}
