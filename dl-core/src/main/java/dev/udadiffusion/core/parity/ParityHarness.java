package dev.udadiffusion.core.parity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Finds fixture folders, picks the registered checker for each, runs it and compares every {@code out.*} tensor with
 * what the checker produced. Data-driven: a new fixture of a known kind (other seeds, configs, batch or image sizes)
 * needs no new code.
 */
public final class ParityHarness {

    private final List<ParityChecker> checkers;

    public ParityHarness(List<ParityChecker> checkers) {
        this.checkers = List.copyOf(checkers);
    }

    /** A harness with every checker registered on the classpath. */
    public static ParityHarness withRegisteredCheckers() {
        List<ParityChecker> l = new ArrayList<>();
        ServiceLoader.load(ParityChecker.class).forEach(l::add);
        return new ParityHarness(l);
    }

    public List<ParityChecker> checkers() {
        return checkers;
    }

    /** {@code path} itself if it is a fixture folder, else the fixture folders directly inside it (sorted). */
    public static List<Path> fixtureFolders(Path path) {
        if (Fixture.isFixture(path)) {
            return List.of(path);
        }
        if (!Files.isDirectory(path)) {
            throw new IllegalArgumentException(path + ": no such folder");
        }
        try (Stream<Path> s = Files.list(path)) {
            List<Path> l = s.filter(Files::isDirectory).filter(Fixture::isFixture).sorted().toList();
            if (l.isEmpty()) {
                throw new IllegalArgumentException(path + ": neither a fixture folder nor a folder of fixtures");
            }
            return l;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Checks every fixture under {@code paths}, reporting each result to {@code sink} as it is produced. */
    public List<ParityResult> check(List<Path> paths, Consumer<ParityResult> sink) {
        List<ParityResult> all = new ArrayList<>();
        for (Path p : paths) {
            for (Path dir : fixtureFolders(p)) {
                for (ParityResult r : checkFixture(dir)) {
                    all.add(r);
                    sink.accept(r);
                }
            }
        }
        return all;
    }

    /** Checks one fixture folder. */
    public List<ParityResult> checkFixture(Path dir) {
        List<ParityResult> out = new ArrayList<>();
        try (Fixture f = Fixture.open(dir)) {
            ParityChecker c = checkers.stream().filter(k -> k.accepts(f)).findFirst().orElse(null);
            if (c == null) {
                out.add(new ParityResult(f.name(), "?", "", ParityResult.Status.SKIP, Double.NaN, Double.NaN, null,
                        "no checker registered for this kind" + f.referenceClass().map(k -> " (" + k + ")").orElse("")));
                return out;
            }
            Map<String, INDArray> got;
            try {
                got = c.compute(f);
            } catch (RuntimeException e) {
                out.add(new ParityResult(f.name(), c.kind(), "(all)", ParityResult.Status.FAIL, Double.NaN, Double.NaN,
                        c.defaultTolerance(), "checker failed: " + e));
                return out;
            }
            for (String name : f.outputs()) {
                Tolerance tol = c.tolerance(f, name);
                INDArray g = got.get(name);
                if (g == null) {
                    out.add(new ParityResult(f.name(), c.kind(), name, ParityResult.Status.FAIL, Double.NaN, Double.NaN,
                            tol, "not produced by the " + c.kind() + " checker"));
                    continue;
                }
                INDArray ref = f.expected(name);
                ErrorMetrics m;
                try {
                    m = c.compare(f, name, g, ref);
                } catch (IllegalArgumentException e) {
                    out.add(new ParityResult(f.name(), c.kind(), name, ParityResult.Status.FAIL, Double.NaN, Double.NaN,
                            tol, e.getMessage()));
                    continue;
                }
                boolean pass = tol.accepts(m.maxAbs(), m.relL2());
                out.add(new ParityResult(f.name(), c.kind(), name, pass ? ParityResult.Status.PASS : ParityResult.Status.FAIL,
                        m.maxAbs(), m.relL2(), tol, null));
            }
        }
        return out;
    }
}
