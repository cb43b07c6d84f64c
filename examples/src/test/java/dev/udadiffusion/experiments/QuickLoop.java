package dev.udadiffusion.experiments;

import dev.udadiffusion.experiments.demo.Demo;
import dev.udadiffusion.experiments.demo.DemoOptions;
import dev.udadiffusion.experiments.toyzoo.ToyZoo;
import dev.udadiffusion.experiments.toyzoo.ToyZooOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One quick toy zoo (seed 3) and one quick demo on it, made once per test JVM and shared by the tests that need them
 * (the zoo takes about half a minute): the experiment tests assert on their results, the CLI tests resume them.
 */
public final class QuickLoop {

    /** The zoo's first training and what it reported. */
    public record Zoo(ToyZoo.Result result, RecordingLog log) {
    }

    /** The demo's first run (two rows at a time) and what it reported. */
    public record DemoRun(Demo.Result result, RecordingLog log, Path out) {
    }

    private static Path root;
    private static Zoo zoo;
    private static DemoRun demo;

    private QuickLoop() {
    }

    public static synchronized Zoo zoo() {
        if (zoo == null) {
            RecordingLog log = new RecordingLog();
            ToyZoo.Result r = ToyZoo.train(root().resolve("zoo"), ToyZooOptions.quick(3), "udadiff toyzoo train --quick --seed 3",
                    log);
            zoo = new Zoo(r, log);
        }
        return zoo;
    }

    public static synchronized DemoRun demo() {
        if (demo == null) {
            Path z = zoo().result().zoo();
            Path out = root().resolve("demo");
            RecordingLog log = new RecordingLog();
            Demo.Result r = Demo.run(DemoOptions.standard(z, out).withBudget(DemoOptions.Budget.QUICK).withJobs(2),
                    "udadiff demo --zoo " + z + " --quick --jobs 2", log);
            demo = new DemoRun(r, log, out);
        }
        return demo;
    }

    private static Path root() {
        if (root == null) {
            try {
                root = Files.createTempDirectory("udadiff-quick-loop");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Path r = root;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(r)));
        }
        return root;
    }

    private static void delete(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind
        }
    }
}
