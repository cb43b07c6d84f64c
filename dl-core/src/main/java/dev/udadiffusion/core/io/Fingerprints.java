package dev.udadiffusion.core.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Content hashes of model weights, to record which models made a result (manifests, run reports): SHA-256 over the
 * bytes of a {@code .safetensors} file, or over every {@code .safetensors} file of a folder (sub-folders included)
 * in path order, each preceded by its relative path — so renaming or moving a folder keeps the hash, changing any
 * weight changes it.
 */
public final class Fingerprints {

    private Fingerprints() {
    }

    /** Lower-case hex SHA-256 of the weights at {@code path} (a file or a model folder). */
    public static String sha256(Path path) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            List<Path> files;
            if (Files.isDirectory(path)) {
                try (Stream<Path> s = Files.walk(path)) {
                    files = s.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(".safetensors"))
                            .sorted().toList();
                }
                if (files.isEmpty()) {
                    throw new IllegalArgumentException(path + ": no .safetensors files to fingerprint");
                }
            } else if (Files.isRegularFile(path)) {
                files = List.of(path);
            } else {
                throw new IllegalArgumentException(path + ": no such file or folder");
            }
            byte[] buf = new byte[1 << 20];
            for (Path f : files) {
                if (Files.isDirectory(path)) {
                    md.update(path.relativize(f).toString().replace('\\', '/').getBytes(StandardCharsets.UTF_8));
                    md.update((byte) 0);
                }
                try (InputStream in = Files.newInputStream(f)) {
                    for (int n; (n = in.read(buf)) > 0;) {
                        md.update(buf, 0, n);
                    }
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
