package dev.udadiffusion.segformer.uda;

import dev.udadiffusion.core.random.Rng;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DACS's ClassMix (Tranheden et al. 2021, as DAFormer's {@code get_class_masks}, {@code generate_class_mask} and
 * {@code one_mix}): for every sample, half of the classes present in the whole batch's source labels (rounded up,
 * without replacement; ignore 255 counts as a class there, as in the reference) are cut from the source image and
 * pasted over the target image; labels and pixel weights are mixed with the same mask.
 */
public final class ClassMix {

    private ClassMix() {
    }

    /** The classes of the whole batch, ascending (torch.unique over the batch, see DAFormer issue #19). */
    public static int[] batchClasses(int[][][] labels) {
        TreeSet<Integer> s = new TreeSet<>();
        for (int[][] l : labels) {
            for (int[] row : l) {
                for (int v : row) {
                    s.add(v);
                }
            }
        }
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    /** How many of {@code n} classes are pasted: half, rounded up. */
    public static int chosenCount(int n) {
        return (n + n % 2) / 2;
    }

    /** One mask per sample, each from its own draw of {@link #chosenCount} batch classes. */
    public static List<boolean[][]> classMasks(int[][][] labels, Rng rng) {
        List<int[]> chosen = choose(labels, rng);
        List<boolean[][]> masks = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            masks.add(mask(labels[i], chosen.get(i)));
        }
        return masks;
    }

    /** The classes each sample pastes: its own draw of {@link #chosenCount} of the batch's classes. */
    public static List<int[]> choose(int[][][] labels, Rng rng) {
        int[] classes = batchClasses(labels);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            out.add(pick(classes, chosenCount(classes.length), rng));
        }
        return out;
    }

    /** {@code k} of {@code classes} without replacement (a partial Fisher–Yates shuffle). */
    static int[] pick(int[] classes, int k, Rng rng) {
        int[] c = classes.clone();
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(c.length - i);
            int t = c[i];
            c[i] = c[j];
            c[j] = t;
        }
        return Arrays.copyOf(c, k);
    }

    /** {@code generate_class_mask}: true where the label is one of {@code classes}. */
    public static boolean[][] mask(int[][] label, int[] classes) {
        boolean[][] m = new boolean[label.length][label[0].length];
        for (int y = 0; y < label.length; y++) {
            for (int x = 0; x < label[y].length; x++) {
                for (int c : classes) {
                    if (label[y][x] == c) {
                        m[y][x] = true;
                        break;
                    }
                }
            }
        }
        return m;
    }

    /** {@code one_mix} of two images [C, H, W]: {@code source} where the mask is set, {@code target} elsewhere. */
    public static INDArray mix(boolean[][] mask, INDArray source, INDArray target) {
        float[] src = source.castTo(DataType.FLOAT).dup('c').data().asFloat();
        float[] out = target.castTo(DataType.FLOAT).dup('c').data().asFloat();
        int h = mask.length;
        int w = mask[0].length;
        int channels = src.length / (h * w);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (mask[y][x]) {
                    for (int c = 0; c < channels; c++) {
                        int i = (c * h + y) * w + x;
                        out[i] = src[i];
                    }
                }
            }
        }
        return Nd4j.create(out, target.shape(), 'c');
    }

    /** {@code one_mix} of two label maps. */
    public static int[][] mix(boolean[][] mask, int[][] source, int[][] target) {
        int[][] out = new int[mask.length][];
        for (int y = 0; y < mask.length; y++) {
            out[y] = target[y].clone();
            for (int x = 0; x < mask[y].length; x++) {
                if (mask[y][x]) {
                    out[y][x] = source[y][x];
                }
            }
        }
        return out;
    }

    /** {@code one_mix} of two pixel-weight maps (source pixels weigh 1 in DACS, pseudo-labelled ones q). */
    public static float[][] mix(boolean[][] mask, float[][] source, float[][] target) {
        float[][] out = new float[mask.length][];
        for (int y = 0; y < mask.length; y++) {
            out[y] = target[y].clone();
            for (int x = 0; x < mask[y].length; x++) {
                if (mask[y][x]) {
                    out[y][x] = source[y][x];
                }
            }
        }
        return out;
    }
}
