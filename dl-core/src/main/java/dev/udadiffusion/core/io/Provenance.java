package dev.udadiffusion.core.io;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Which code made an artefact: the git commit of the working directory, when there is one. */
public final class Provenance {

    private Provenance() {
    }

    /**
     * {@code git rev-parse HEAD} (with "-dirty" for uncommitted changes) of the working directory's checkout, else of
     * the checkout the running jar was built in; "unknown" when neither is one.
     */
    public static String commit() {
        List<String> dirs = new ArrayList<>(List.of("."));
        try {
            var src = Provenance.class.getProtectionDomain().getCodeSource();
            if (src != null) {
                dirs.add(Path.of(src.getLocation().toURI()).getParent().toString());
            }
        } catch (URISyntaxException | RuntimeException e) {
            // no code location: the working directory is all there is
        }
        for (String dir : dirs) {
            String head = git(dir, "rev-parse", "HEAD");
            if (head != null) {
                String status = git(dir, "status", "--porcelain", "--untracked-files=no");
                return status != null && !status.isBlank() ? head + "-dirty" : head;
            }
        }
        return "unknown";
    }

    private static String git(String dir, String... args) {
        try {
            String[] cmd = new String[args.length + 3];
            cmd[0] = "git";
            cmd[1] = "-C";
            cmd[2] = dir;
            System.arraycopy(args, 0, cmd, 3, args.length);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            return out;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
