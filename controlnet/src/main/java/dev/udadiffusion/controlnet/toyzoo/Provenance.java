package dev.udadiffusion.controlnet.toyzoo;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** Which code made an artefact: the git commit of the working directory, when there is one. */
final class Provenance {

    private Provenance() {
    }

    /** {@code git rev-parse HEAD} (with "-dirty" for uncommitted changes), or "unknown" outside a git checkout. */
    static String commit() {
        String head = git("rev-parse", "HEAD");
        if (head == null) {
            return "unknown";
        }
        String status = git("status", "--porcelain", "--untracked-files=no");
        return status != null && !status.isBlank() ? head + "-dirty" : head;
    }

    private static String git(String... args) {
        try {
            String[] cmd = new String[args.length + 1];
            cmd[0] = "git";
            System.arraycopy(args, 0, cmd, 1, args.length);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return null;
            }
            return out;
        } catch (java.io.IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
