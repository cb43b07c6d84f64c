package dev.udadiffusion.data.rcs;

import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.io.Sample;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Class statistics of a dataset, cached next to it as DAFormer's {@code sample_class_stats.json} and
 * {@code samples_with_class.json}, plus a stamp
 * (file names, sizes and modification times of the labels); recomputed when the stamp no longer matches.
 */
public final class DatasetStats {

    private DatasetStats() {
    }

    public static List<ClassStats> of(Datasets.Listing listing, Path cacheDir) {
        Path json = cacheDir.resolve("sample_class_stats.json");
        Path stampFile = cacheDir.resolve("sample_class_stats.stamp");
        String stamp = stamp(listing);
        try {
            if (Files.isRegularFile(json) && Files.isRegularFile(stampFile) && Files.readString(stampFile).equals(stamp)) {
                return ClassStats.read(json);
            }
            List<ClassStats> stats = new ArrayList<>();
            for (Sample s : listing.samples()) {
                stats.add(ClassStats.of(s.label().toString(), listing.readTrainIds(s)));
            }
            Files.createDirectories(cacheDir);
            ClassStats.write(json, stats);
            ClassStats.writeSamplesWithClass(cacheDir.resolve("samples_with_class.json"), stats);
            Files.writeString(stampFile, stamp);
            return stats;
        } catch (IOException e) {
            throw new UncheckedIOException(cacheDir + ": " + e.getMessage(), e);
        }
    }

    private static String stamp(Datasets.Listing l) {
        long h = 1125899906842597L;
        for (Sample s : l.samples()) {
            try {
                String key = s.label() + "|" + Files.size(s.label()) + "|" + Files.getLastModifiedTime(s.label()).toMillis();
                h = 31 * h + key.hashCode();
            } catch (IOException e) {
                throw new UncheckedIOException(s.label() + ": " + e.getMessage(), e);
            }
        }
        return l.samples().size() + ":" + Long.toHexString(h);
    }
}
