package dev.udadiffusion.data.io;

import java.awt.image.BufferedImage;
import java.util.Map;

/** Where a generator puts labeled samples, and what it has already put there (so a rerun skips it). */
public interface SampleSink {

    /** Whether sample {@code id} is completely written and intact. */
    boolean isDone(String id);

    /** Writes one sample (image, trainId map 0–18/255, and the line of metadata that goes with it). */
    void write(String id, BufferedImage image, int[][] trainIds, Map<String, String> meta);
}
