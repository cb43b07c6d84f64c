package dev.udadiffusion.segformer.uda;

import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.segformer.SegformerModel;
import dev.udadiffusion.segformer.train.SegformerTrainingGraph;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The two student batches of one DACS iteration ({@code mmseg/models/uda/dacs.py}'s {@code forward_train}): the source
 * batch with its labels, and the mixed batch — ClassMix of source over target, the teacher's pseudo-labels under the
 * pasted classes' complement, per-pixel weights (source pixels 1, pseudo-labelled ones q or 0 in the ignored rows),
 * then the strong augmentation. Both losses are mmseg's cross-entropy with pixel weights, averaged over <em>all</em>
 * pixels (ignored ones count in the denominator with loss 0), fed to the training graph as weighted one-hot targets.
 */
public final class DacsBatch {

    /**
     * @param pseudoThreshold a pixel is confident when its top probability reaches this (DAFormer: 0.968)
     * @param ignoreTop       pseudo-label rows weighted 0 at the top of a crop (DAFormer: 15 of 512)
     * @param ignoreBottom    and at the bottom (DAFormer: 120 of 512)
     * @param alpha           the teacher's largest EMA weight (DAFormer: 0.999)
     */
    public record Settings(double pseudoThreshold, int ignoreTop, int ignoreBottom, double alpha, StrongAugment.Settings strong) {
        public Settings {
            if (!(pseudoThreshold >= 0 && pseudoThreshold <= 1)) {
                throw new IllegalArgumentException("pseudo-label threshold must be in [0, 1], got " + pseudoThreshold);
            }
            if (ignoreTop < 0 || ignoreBottom < 0) {
                throw new IllegalArgumentException("ignored rows must be ≥ 0, got " + ignoreTop + " and " + ignoreBottom);
            }
            if (!(alpha >= 0 && alpha < 1)) {
                throw new IllegalArgumentException("EMA alpha must be in [0, 1), got " + alpha);
            }
        }

        /** DAFormer's values for a crop of {@code cropHeight} rows (the ignored rows scaled from 15 and 120 of 512). */
        public static Settings daformer(int cropHeight) {
            int[] rows = PseudoLabels.ignoredRows(cropHeight, 15, 120);
            return new Settings(0.968, rows[0], rows[1], 0.999, StrongAugment.Settings.DAFORMER);
        }
    }

    /**
     * DAFormer's ImageNet feature distance: λ times the mean L2 distance between the student's and an ImageNet model's
     * last-stage features over the positions whose label, downscaled by the ratio rule ({@link LabelDownscale}, min
     * share {@code minRatio}), is one of {@code classes} (DAFormer: 0.005, the thing classes, 0.75).
     */
    public record FeatureDistance(double lambda, int[] classes, double minRatio) {
        public static FeatureDistance daformer() {
            return new FeatureDistance(0.005, new int[] {6, 7, 11, 12, 13, 14, 15, 16, 17, 18}, 0.75);
        }
    }

    /**
     * The feature distance's feeds for a source batch: the ImageNet model's last-stage features [B, C, h, w], the mask
     * of thing positions and λ / (their count) — 0 when no position qualifies (the reference's mean over none is NaN).
     */
    public static Map<String, INDArray> featureDistance(INDArray imnetFeatures, int[][][] labels, FeatureDistance fd, int classes) {
        int b = labels.length;
        int fh = (int) imnetFeatures.size(2);
        int fw = (int) imnetFeatures.size(3);
        int factor = labels[0][0].length / fw;
        float[] mask = new float[b * fh * fw];
        long count = 0;
        for (int n = 0; n < b; n++) {
            int[][] small = LabelDownscale.ratio(labels[n], factor, fd.minRatio(), classes, 255);
            for (int y = 0; y < fh; y++) {
                for (int x = 0; x < fw; x++) {
                    for (int c : fd.classes()) {
                        if (small[y][x] == c) {
                            mask[(n * fh + y) * fw + x] = 1f;
                            count++;
                            break;
                        }
                    }
                }
            }
        }
        return Map.of(SegformerTrainingGraph.FD_FEATURES, imnetFeatures.castTo(DataType.FLOAT),
                SegformerTrainingGraph.FD_MASK, Nd4j.create(mask, new long[] {b, fh, fw}, 'c'),
                SegformerTrainingGraph.FD_SCALE, Nd4j.scalar(DataType.FLOAT, count == 0 ? 0f : (float) (fd.lambda() / count)));
    }

    /** Feeds that switch the feature distance off for a batch (the mixed one): zero features, mask and scale. */
    public static Map<String, INDArray> noFeatureDistance(long[] featureShape) {
        return Map.of(SegformerTrainingGraph.FD_FEATURES, Nd4j.zeros(DataType.FLOAT, featureShape),
                SegformerTrainingGraph.FD_MASK, Nd4j.zeros(DataType.FLOAT, featureShape[0], featureShape[2], featureShape[3]),
                SegformerTrainingGraph.FD_SCALE, Nd4j.scalar(DataType.FLOAT, 0f));
    }

    /** The iteration's random choices: the classes each sample pastes, and each mixed image's augmentation. */
    public record Draws(List<int[]> mixClasses, List<StrongAugment.Draw> strong) {
        public static Draws sample(int[][][] sourceLabels, StrongAugment.Settings s, Rng rng) {
            List<StrongAugment.Draw> strong = StrongAugment.draw(sourceLabels.length, s, rng);
            return new Draws(ClassMix.choose(sourceLabels, rng), strong);
        }
    }

    /** The mixed batch and what it came from. */
    public record Mixed(INDArray pixels, int[][][] labels, float[][][] weight, PseudoLabels pseudo) {
    }

    private DacsBatch() {
    }

    /** Both maps in one. */
    public static Map<String, INDArray> merge(Map<String, INDArray> a, Map<String, INDArray> b) {
        Map<String, INDArray> m = new java.util.LinkedHashMap<>(a);
        m.putAll(b);
        return m;
    }

    /** Mixes source [B, 3, H, W] (labels [B][H][W]) over target [B, 3, H, W] given the teacher's probabilities on the target. */
    public static Mixed mix(INDArray sourcePixels, int[][][] sourceLabels, INDArray targetPixels, INDArray teacherProbabilities,
            Draws d, Settings s) {
        PseudoLabels pl = PseudoLabels.of(teacherProbabilities, s.pseudoThreshold(), s.ignoreTop(), s.ignoreBottom());
        int b = sourceLabels.length;
        List<INDArray> images = new ArrayList<>();
        int[][][] labels = new int[b][][];
        float[][][] weight = new float[b][][];
        for (int i = 0; i < b; i++) {
            boolean[][] mask = ClassMix.mask(sourceLabels[i], d.mixClasses().get(i));
            INDArray img = ClassMix.mix(mask, sourcePixels.slice(i), targetPixels.slice(i));
            images.add(StrongAugment.apply(img, d.strong().get(i)).reshape(1, img.size(0), img.size(1), img.size(2)));
            labels[i] = ClassMix.mix(mask, sourceLabels[i], pl.labels()[i]);
            weight[i] = ClassMix.mix(mask, ones(sourceLabels[i].length, sourceLabels[i][0].length), pl.weight()[i]);
        }
        return new Mixed(Nd4j.concat(0, images.toArray(new INDArray[0])), labels, weight, pl);
    }

    /**
     * The training graph's feeds for a batch: pixels, the one-hot target scaled by the pixel weight (null: 1) with ignored
     * pixels all-zero, and the count of all pixels as the loss's denominator (mmseg's mean).
     */
    public static Map<String, INDArray> feeds(INDArray pixels, int[][][] labels, float[][][] weight, int classes, int ignore) {
        int b = labels.length;
        int h = labels[0].length;
        int w = labels[0][0].length;
        float[] t = new float[b * classes * h * w];
        for (int n = 0; n < b; n++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int l = labels[n][y][x];
                    if (l == ignore) {
                        continue;
                    }
                    if (l < 0 || l >= classes) {
                        throw new IllegalArgumentException("label " + l + " at (batch " + n + ", x=" + x + ", y=" + y
                                + ") outside 0.." + (classes - 1) + " and not the ignore value " + ignore);
                    }
                    t[((n * classes + l) * h + y) * w + x] = weight == null ? 1f : weight[n][y][x];
                }
            }
        }
        return Map.of(SegformerModel.PIXELS, pixels.castTo(DataType.FLOAT),
                SegformerTrainingGraph.TARGET, Nd4j.create(t, new long[] {b, classes, h, w}, 'c'),
                SegformerTrainingGraph.N_VALID, Nd4j.scalar(DataType.FLOAT, (float) ((long) b * h * w)));
    }

    private static float[][] ones(int h, int w) {
        float[][] o = new float[h][w];
        for (float[] row : o) {
            java.util.Arrays.fill(row, 1f);
        }
        return o;
    }
}
