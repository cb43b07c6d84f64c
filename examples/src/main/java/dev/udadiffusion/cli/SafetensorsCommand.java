package dev.udadiffusion.cli;

import dev.udadiffusion.core.safetensors.SafetensorsException;
import dev.udadiffusion.core.safetensors.TensorInfo;
import dev.udadiffusion.core.safetensors.TensorSource;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code udadiff safetensors ...}: look inside safetensors checkpoints. */
@Command(name = "safetensors", mixinStandardHelpOptions = true, description = "Work with safetensors files.",
        subcommands = {SafetensorsCommand.Inspect.class})
final class SafetensorsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Exit code for a malformed or unreadable file. */
    static final int EXIT_MALFORMED = 2;

    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = {"List the tensors of a safetensors file or sharded index (*.safetensors.index.json): "
                    + "name, dtype, shape, bytes; then totals per dtype and the metadata.",
                    "The whole header is validated; a malformed file exits with code 2 and a one-line reason."})
    static final class Inspect implements Callable<Integer> {

        @Parameters(paramLabel = "FILE", description = "a .safetensors file or a .safetensors.index.json")
        Path file;

        @CommandLine.Option(names = "--summary", description = "print only the totals and the metadata")
        boolean summary;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (TensorSource src = TensorSource.open(file)) {
                int nameWidth = 4;
                for (String n : src.names()) {
                    nameWidth = Math.max(nameWidth, n.length());
                }
                Map<String, long[]> perDtype = new TreeMap<>();
                long total = 0;
                long params = 0;
                if (!summary) {
                    out.printf("%-" + nameWidth + "s  %-5s %-22s %12s%n", "name", "dtype", "shape", "bytes");
                }
                for (String n : src.names()) {
                    TensorInfo t = src.info(n);
                    if (!summary) {
                        out.printf("%-" + nameWidth + "s  %-5s %-22s %12d%n", n, t.dtype(), Arrays.toString(t.shape()),
                                t.byteSize());
                    }
                    long[] acc = perDtype.computeIfAbsent(t.dtype().name(), k -> new long[3]);
                    acc[0]++;
                    acc[1] += t.numel();
                    acc[2] += t.byteSize();
                    total += t.byteSize();
                    params += t.numel();
                }
                out.printf("%d tensors, %,d elements, %,d bytes (%s)%n", src.names().size(), params, total, human(total));
                perDtype.forEach((d, a) -> out.printf("  %-5s %6d tensors %,16d elements %,16d bytes%n", d, a[0], a[1], a[2]));
                if (src.metadata().isEmpty()) {
                    out.println("metadata: (none)");
                } else {
                    out.println("metadata:");
                    src.metadata().forEach((k, v) -> out.printf("  %s = %s%n", k, v));
                }
                out.flush();
                return 0;
            } catch (SafetensorsException e) {
                spec.commandLine().getErr().println("udadiff: " + e.getMessage());
                return EXIT_MALFORMED;
            }
        }
    }

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.1f %s", v, units[u]);
    }
}
