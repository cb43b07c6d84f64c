package dev.udadiffusion.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;

/**
 * Where a job's inputs live. A plain path or a {@code file:} URI is used in place (on a cluster it must be a shared
 * mount every executor sees). Any other URI ({@code hdfs://}, {@code s3a://}, …) is read through Hadoop's FileSystem
 * API and copied once per machine into a local cache ({@code udadiff.spark.cache}, default
 * {@code java.io.tmpdir/udadiff-spark-cache}), keyed by the URI, size and modification time, so a changed model is
 * fetched again. The copy goes to a temporary folder first and is renamed into place: two executors on one machine
 * never see half a model.
 */
public final class Locations {

    private Locations() {
    }

    /** Whether {@code location} is read in place (no scheme, or {@code file:}). */
    public static boolean isLocal(String location) {
        String scheme = scheme(location);
        return scheme == null || scheme.equals("file");
    }

    /** A local path for {@code location}: itself when local, else the cached copy (fetched now if needed). */
    public static Path local(String location, Configuration conf) {
        if (isLocal(location)) {
            return location.startsWith("file:") ? Path.of(URI.create(location)) : Path.of(location);
        }
        return fetch(URI.create(location), conf, cacheRoot());
    }

    static Path cacheRoot() {
        return Path.of(System.getProperty("udadiff.spark.cache",
                Path.of(System.getProperty("java.io.tmpdir"), "udadiff-spark-cache").toString()));
    }

    /** Copies {@code uri} (a file or a folder tree) under {@code cache} unless an identical copy is there. */
    static synchronized Path fetch(URI given, Configuration conf, Path cache) {
        // a folder URI may end with '/': its name is that of the last non-empty segment
        String text = given.toString();
        while (text.endsWith("/") && !text.endsWith(":/") && !text.endsWith("://")) {
            text = text.substring(0, text.length() - 1);
        }
        URI uri = URI.create(text);
        try {
            FileSystem fs = FileSystem.get(uri, conf);
            org.apache.hadoop.fs.Path src = new org.apache.hadoop.fs.Path(uri);
            if (!fs.exists(src)) {
                throw new IllegalArgumentException(uri + ": does not exist");
            }
            FileStatus st = fs.getFileStatus(src);
            long size = fs.getContentSummary(src).getLength();
            String key = sha1(uri + "|" + size + "|" + st.getModificationTime());
            String name = src.getName().isEmpty() ? "root" : src.getName();
            Path dir = cache.resolve(key);
            Path done = dir.resolve(name);
            if (Files.exists(dir.resolve(".complete"))) {
                return done;
            }
            Files.createDirectories(cache);
            Path tmp = Files.createTempDirectory(cache, key + ".tmp");
            fs.copyToLocalFile(false, src, new org.apache.hadoop.fs.Path(tmp.resolve(name).toUri()), true);
            Files.writeString(tmp.resolve(".complete"), uri.toString(), StandardCharsets.UTF_8);
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException | java.nio.file.DirectoryNotEmptyException e) {
                // another executor on this machine finished first: its copy is the same
                if (!Files.exists(dir.resolve(".complete"))) {
                    throw new IOException(dir + ": a copy is in the way and incomplete; remove it", e);
                }
                dev.udadiffusion.core.io.AtomicFiles.deleteTree(tmp);
            }
            return done;
        } catch (IOException e) {
            throw new UncheckedIOException(uri + ": cannot copy to the local cache " + cache + ": " + e.getMessage(), e);
        }
    }

    private static String scheme(String location) {
        int colon = location.indexOf(':');
        int slash = location.indexOf('/');
        if (colon < 2 || (slash >= 0 && slash < colon)) {
            return null; // a relative path, an absolute path or a Windows drive letter
        }
        return location.substring(0, colon).toLowerCase(java.util.Locale.ROOT);
    }

    private static String sha1(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
