package dev.udadiffusion.controlnet;

import dev.udadiffusion.core.errors.InputException;
import dev.udadiffusion.data.encode.OneHot;
import dev.udadiffusion.data.io.LabelMaps;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The thesis's ControlNet conditioning: a trainId label map (values 0–18 for the Cityscapes classes, 255 for
 * ignore) becomes a one-hot tensor of 20 channels, channel 19 standing for ignore/background (a label of 19 is
 * accepted as the same thing).
 */
public final class SegmentationConditioning {

    /** 19 Cityscapes classes + background/ignore. */
    public static final int CHANNELS = 20;
    public static final int IGNORE = 255;

    private SegmentationConditioning() {
    }

    /** Reads a single-channel trainId PNG into [H][W] ({@link LabelMaps#read}), checking every value. */
    public static int[][] readLabelMap(Path png) {
        int[][] labels = LabelMaps.read(png);
        validate(labels, png.toString());
        return labels;
    }

    /** Throws naming the file and the first value outside 0–19 and 255, with its position. */
    public static void validate(int[][] labels, String source) {
        for (int y = 0; y < labels.length; y++) {
            for (int x = 0; x < labels[y].length; x++) {
                int v = labels[y][x];
                if ((v < 0 || v > 19) && v != IGNORE) {
                    throw new InputException(source + ": label " + v + " at (x=" + x + ", y=" + y
                            + ") is not a Cityscapes trainId (0-18) or ignore (255)");
                }
            }
        }
    }

    /** One label map → [1, 20, H, W] one-hot (channel c = (label == c); 255 → channel 19), see {@link OneHot}. */
    public static INDArray oneHot(int[][] labels) {
        return OneHot.of(labels);
    }

    /** Label maps [B, H, W] (any integer type) → [B, 20, H, W]. */
    public static INDArray oneHot(INDArray labels) {
        long b = labels.size(0);
        INDArray[] parts = new INDArray[(int) b];
        for (int i = 0; i < b; i++) {
            int[][] m = labels.slice(i).castTo(DataType.INT).toIntMatrix();
            validate(m, "label batch item " + i);
            parts[i] = oneHot(m);
        }
        return Nd4j.concat(0, parts);
    }
}
