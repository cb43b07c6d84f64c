package dev.udadiffusion.cli;

import dev.udadiffusion.core.parity.ParityChecker;
import dev.udadiffusion.core.parity.ParityHarness;
import dev.udadiffusion.core.parity.ParityResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code udadiff parity DIR...}: compare our models with reference fixtures. */
@Command(name = "parity", mixinStandardHelpOptions = true,
        description = {"Run our implementation on reference fixture folders (config.json + weights + io.safetensors "
                + "with in.*/out.* tensors, made by diffusers/transformers) and report, per output, the max abs and "
                + "relative L2 error against the tolerance in the fixture's notes.md.",
                "Each DIR is a fixture folder or a folder of fixture folders. Exit code 1 if any output FAILs."})
final class ParityCommand implements Callable<Integer> {

    @Parameters(paramLabel = "DIR", arity = "0..*", description = "fixture folders, or folders containing them")
    List<Path> dirs = List.of();

    @Option(names = "--require-all", description = "also fail on fixtures whose kind has no checker (SKIP)")
    boolean requireAll;

    @Option(names = "--list-kinds", description = "list the registered model kinds and exit")
    boolean listKinds;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ParityHarness h = ParityHarness.withRegisteredCheckers();
        if (listKinds) {
            for (ParityChecker c : h.checkers()) {
                out.println(c.kind() + "  (" + c.getClass().getName() + ")");
            }
            out.flush();
            return 0;
        }
        if (dirs.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give at least one fixture folder");
        }
        List<ParityResult> results;
        try {
            results = h.check(dirs, r -> {
                out.println(r.line());
                out.flush();
            });
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("udadiff: " + e.getMessage());
            return 2;
        }
        long pass = results.stream().filter(r -> r.status() == ParityResult.Status.PASS).count();
        long fail = results.stream().filter(r -> r.status() == ParityResult.Status.FAIL).count();
        long skip = results.stream().filter(r -> r.status() == ParityResult.Status.SKIP).count();
        out.printf("parity: %d outputs passed, %d failed, %d fixtures skipped%n", pass, fail, skip);
        out.flush();
        return fail > 0 || (requireAll && skip > 0) ? 1 : 0;
    }
}
