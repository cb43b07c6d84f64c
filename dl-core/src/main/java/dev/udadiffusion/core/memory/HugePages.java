package dev.udadiffusion.core.memory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether glibc's {@code malloc}, which allocates every ND4J array's off-heap buffer, asks Linux for transparent huge
 * pages.
 *
 * <p>Why it matters: SameDiff writes an op's result to a freshly allocated buffer whenever its array cache holds none
 * of that shape (and every result a caller keeps leaves the cache), and every first touch of a 4 KiB page is a page
 * fault — on the development machine (a VM) about 14 µs each, so a fresh 10 MB buffer costs ~35 ms,
 * more than the op that fills it. With {@value #TUNABLE} in the {@code GLIBC_TUNABLES} environment variable (glibc ≥
 * 2.35), {@code malloc} marks its large chunks {@code MADV_HUGEPAGE}: one fault per 2 MiB and fewer TLB misses. The
 * SD1.5 VAE decode went from 20–28 s to 11–17 s and the U-Net CFG step from 15–32 s to 11–20 s (measurements in
 * {@code benchmarks/README.md}). The variable must be set before the JVM starts; the {@code udadiff} launcher and the
 * build's test runs set it. Numbers do not change: only where memory comes from does.
 */
public final class HugePages {

    private static final String KEY = "glibc.malloc.hugetlb";
    /** The glibc tunable that makes {@code malloc} use transparent huge pages. */
    public static final String TUNABLE = KEY + "=1";

    private static final Path THP_MODE = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
    private static final Pattern SELECTED = Pattern.compile("\\[(\\w+)]");

    private HugePages() {
    }

    /** Advice for this process, or empty when there is nothing to gain (see {@link #advice(String, String)}). */
    public static Optional<String> advice() {
        String mode;
        try {
            mode = Files.readString(THP_MODE, StandardCharsets.US_ASCII);
        } catch (IOException | SecurityException e) {
            mode = null; // not Linux, or no THP support: nothing to advise
        }
        return advice(mode, System.getenv("GLIBC_TUNABLES"));
    }

    /**
     * @param thpEnabled the content of {@code /sys/kernel/mm/transparent_hugepage/enabled} (e.g. {@code always
     *                   [madvise] never}), or null when it cannot be read
     * @param tunables   the {@code GLIBC_TUNABLES} environment variable, or null
     * @return a one-line advice when huge pages are available only on request ({@code madvise}) and nobody has
     *         decided about the tunable; empty when THP is off ({@code never}), already used for everything
     *         ({@code always}), or {@code glibc.malloc.hugetlb} is set to any value (an explicit choice)
     */
    public static Optional<String> advice(String thpEnabled, String tunables) {
        if (thpEnabled == null) {
            return Optional.empty();
        }
        Matcher m = SELECTED.matcher(thpEnabled);
        if (!m.find() || !m.group(1).equals("madvise")) {
            return Optional.empty();
        }
        if (tunables != null) {
            for (String t : tunables.split(":")) {
                if (t.trim().startsWith(KEY + "=")) {
                    return Optional.empty();
                }
            }
        }
        return Optional.of("native arrays use 4 KiB pages; start the JVM with GLIBC_TUNABLES=" + TUNABLE
                + " (glibc 2.35 or newer) for transparent huge pages: full-size inference is up to 1.8x faster"
                + " (the udadiff launcher sets it)");
    }
}
