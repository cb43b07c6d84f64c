package dev.udadiffusion.core.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Locates the repository's {@code testdata/} folder from any module's working directory. */
public final class TestData {

    private TestData() {
    }

    /** {@code testdata/} at the repository root. */
    public static Path root() {
        Path p = Paths.get("").toAbsolutePath();
        for (Path q = p; q != null; q = q.getParent()) {
            Path t = q.resolve("testdata");
            if (Files.isDirectory(t.resolve("reference"))) {
                return t;
            }
        }
        throw new IllegalStateException("testdata/ not found above " + p);
    }

    /** A reference fixture folder, {@code testdata/reference/NAME}. */
    public static Path reference(String name) {
        Path p = root().resolve("reference").resolve(name);
        if (!Files.exists(p)) {
            throw new IllegalStateException("missing fixture " + p);
        }
        return p;
    }

    /**
     * The toy model zoo shipped in the repository ({@code models/toy-zoo}), or the folder named by the system property
     * {@code udadiff.toyZoo} (to check another zoo).
     */
    public static Path toyZoo() {
        String prop = System.getProperty("udadiff.toyZoo");
        Path p = prop != null ? Path.of(prop) : root().getParent().resolve("models").resolve("toy-zoo");
        if (!Files.isRegularFile(p.resolve("zoo.json"))) {
            throw new IllegalStateException("no toy zoo at " + p + " (zoo.json missing)");
        }
        return p;
    }
}
