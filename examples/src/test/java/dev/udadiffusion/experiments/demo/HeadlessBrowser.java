package dev.udadiffusion.experiments.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's Chromium, headless, for tests that must see a page as a browser renders it. Found at
 * {@code -Dudadiff.chromium=PATH}, {@code /usr/bin/chromium} or on PATH; when absent the test is skipped, unless
 * {@code UDADIFF_REQUIRE_BROWSER=1} (set by {@code .ci/run}, which installs it), where a missing browser fails.
 */
final class HeadlessBrowser {

    private HeadlessBrowser() {
    }

    static Path require() {
        Optional<Path> found = find();
        if (found.isEmpty()) {
            if ("1".equals(System.getenv("UDADIFF_REQUIRE_BROWSER"))) {
                throw new AssertionError("UDADIFF_REQUIRE_BROWSER=1 but no chromium (apt-get install chromium)");
            }
            Assumptions.abort("no chromium on this machine (apt-get install chromium)");
        }
        return found.get();
    }

    static Optional<Path> find() {
        List<Path> candidates = new ArrayList<>();
        String prop = System.getProperty("udadiff.chromium");
        if (prop != null && !prop.isBlank()) {
            candidates.add(Path.of(prop));
        }
        candidates.add(Path.of("/usr/bin/chromium"));
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isBlank()) {
                candidates.add(Path.of(dir, "chromium"));
                candidates.add(Path.of(dir, "chromium-browser"));
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    /** The DOM of {@code page} after load and its scripts ran (virtual time: no real waiting on timers). */
    static String dumpDom(Path chromium, Path page, Path profile) throws IOException, InterruptedException {
        List<String> cmd = List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile.toAbsolutePath(), "--virtual-time-budget=5000", "--dump-dom",
                page.toAbsolutePath().toUri().toString());
        Path out = Files.createTempFile(profile.getParent(), "dom", ".html");
        Path err = Files.createTempFile(profile.getParent(), "chromium", ".log");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in 120 s: " + Files.readString(err));
        }
        String dom = Files.readString(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0 || dom.isBlank()) {
            throw new AssertionError("chromium exit " + p.exitValue() + ":\n" + Files.readString(err));
        }
        return dom;
    }
}
