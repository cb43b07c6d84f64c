package dev.udadiffusion.segformer.uda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.testing.TestData;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * DACS's building blocks against values computed by DAFormer's own functions ({@code dacs_transforms.py},
 * {@code downscale_label_ratio}), made by {@code testdata/tools/make_dacs_goldens.py}.
 */
class DacsGoldensTest {

    static final Path DIR = TestData.root().resolve("daformer");
    static SafetensorsFile io;
    static JsonNode info;

    @BeforeAll
    static void open() throws Exception {
        io = SafetensorsFile.open(DIR.resolve("dacs_goldens.safetensors"));
        info = new ObjectMapper().readTree(DIR.resolve("dacs_goldens.json").toFile());
    }

    @AfterAll
    static void close() {
        io.close();
    }

    /** [B, 1, H, W] or [B, H, W] integer tensor → int[B][H][W]. */
    static int[][][] ints(INDArray a) {
        long b = a.size(0);
        long h = a.size(a.rank() - 2);
        long w = a.size(a.rank() - 1);
        INDArray r = a.reshape(b, h, w);
        int[][][] out = new int[(int) b][(int) h][(int) w];
        for (int n = 0; n < b; n++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out[n][y][x] = r.getInt(n, y, x);
                }
            }
        }
        return out;
    }

    @Test
    void classMasksTakeHalfTheBatchClassesAsTheReference() {
        int[][][] labels = ints(io.load("class_masks.labels"));
        int[][][] want = ints(io.load("class_masks.masks"));
        int[] classes = ClassMix.batchClasses(labels);
        JsonNode choices = info.get("class_masks.choices");
        for (int i = 0; i < labels.length; i++) {
            JsonNode c = choices.get(i);
            assertEquals(c.get("n").asInt(), classes.length, "candidates are the whole batch's classes, 255 included");
            assertEquals(c.get("k").asInt(), ClassMix.chosenCount(classes.length));
            int[] picked = new int[c.get("picked").size()];
            for (int j = 0; j < picked.length; j++) {
                picked[j] = classes[c.get("picked").get(j).asInt()];
            }
            boolean[][] m = ClassMix.mask(labels[i], picked);
            for (int y = 0; y < m.length; y++) {
                for (int x = 0; x < m[y].length; x++) {
                    assertEquals(want[i][y][x] == 1, m[y][x], "sample " + i + " (" + x + ", " + y + ")");
                }
            }
        }
    }

    @Test
    void seededDrawsPickDistinctBatchClasses() {
        int[][][] labels = ints(io.load("class_masks.labels"));
        int[] classes = ClassMix.batchClasses(labels);
        Set<List<Integer>> seen = new HashSet<>();
        for (long seed = 0; seed < 50; seed++) {
            int[] p = ClassMix.pick(classes, ClassMix.chosenCount(classes.length), new Rng(seed));
            assertEquals(p.length, Arrays.stream(p).distinct().count(), "without replacement");
            seen.add(Arrays.stream(p).sorted().boxed().toList());
            assertArrayEquals(p, ClassMix.pick(classes, p.length, new Rng(seed)), "seeded");
        }
        assertTrue(seen.size() > 10, "different seeds pick different classes: " + seen.size());
    }

    @Test
    void oneMixOfImagesLabelsAndWeights() {
        boolean[][] mask = toMask(ints(io.load("one_mix.mask"))[0]);
        INDArray data = io.load("one_mix.data");
        INDArray got = ClassMix.mix(mask, data.get(NDArrayIndex.point(0)).dup(),
                data.get(NDArrayIndex.point(1)).dup());
        assertEquals(0.0, got.sub(io.load("one_mix.mixed_data").reshape(got.shape())).amaxNumber().doubleValue(), 0.0);
        int[][][] tgt = ints(io.load("one_mix.target"));
        int[][] mixed = ClassMix.mix(mask, tgt[0], tgt[1]);
        assertArrayEquals(ints(io.load("one_mix.mixed_target"))[0], mixed);
        INDArray w = io.load("one_mix.weight");
        float[][] mw = ClassMix.mix(mask, w.slice(0).toFloatMatrix(), w.slice(1).toFloatMatrix());
        assertArrayEquals(io.load("one_mix.mixed_weight").reshape(mw.length, mw[0].length).toFloatMatrix(), mw);
    }

    static boolean[][] toMask(int[][] m) {
        boolean[][] b = new boolean[m.length][m[0].length];
        for (int y = 0; y < m.length; y++) {
            for (int x = 0; x < m[y].length; x++) {
                b[y][x] = m[y][x] == 1;
            }
        }
        return b;
    }

    @Test
    void blurKernelSizes() {
        for (JsonNode s : info.get("blur_kernel_sizes")) {
            assertEquals(s.get("kernel").get(0).asInt(), StrongAugment.blurKernelSize(s.get("height").asInt()), s.toString());
            assertEquals(s.get("kernel").get(1).asInt(), StrongAugment.blurKernelSize(s.get("width").asInt()), s.toString());
        }
    }

    @Test
    void labelDownscaleRatio() {
        JsonNode d = info.get("downscale");
        int[][][] gt = ints(io.load("downscale.gt"));
        int[][][] want = ints(io.load("downscale.out"));
        for (int n = 0; n < gt.length; n++) {
            assertArrayEquals(want[n], LabelDownscale.ratio(gt[n], d.get("scale_factor").asInt(),
                    d.get("min_ratio").asDouble(), d.get("n_classes").asInt(), 255), "sample " + n);
        }
    }

    /** q is the batch's share of confident pixels; ties and rows as DAFormer (dacs.py, pseudo-label block). */
    @Test
    void pseudoLabelsAndTheirWeight() {
        INDArray p = Nd4j.create(DataType.FLOAT, 2, 3, 4, 2);
        // sample 0: all pixels class 1 at 0.97 (confident); sample 1: class 2 at 0.5 (not)
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 2; x++) {
                p.putScalar(new long[] {0, 1, y, x}, 0.97);
                p.putScalar(new long[] {0, 0, y, x}, 0.03);
                p.putScalar(new long[] {1, 2, y, x}, 0.5);
                p.putScalar(new long[] {1, 0, y, x}, 0.25);
                p.putScalar(new long[] {1, 1, y, x}, 0.25);
            }
        }
        PseudoLabels pl = PseudoLabels.of(p, 0.968, 1, 1);
        assertEquals(0.5, pl.q(), 1e-12, "8 of 16 pixels confident");
        assertEquals(1, pl.labels()[0][2][1]);
        assertEquals(2, pl.labels()[1][0][0]);
        assertEquals(0f, pl.weight()[0][0][0]);
        assertEquals(0.5f, pl.weight()[1][1][0]);
        assertEquals(0f, pl.weight()[1][3][1]);
        assertArrayEquals(new int[] {15, 120}, PseudoLabels.ignoredRows(512, 15, 120));
        assertArrayEquals(new int[] {2, 15}, PseudoLabels.ignoredRows(64, 15, 120));
    }

    @Test
    void emaTeacherStartsAsACopyAndApproachesAlpha() {
        assertEquals(0.0, EmaTeacher.alpha(0, 0.999), 0.0);
        assertEquals(0.5, EmaTeacher.alpha(1, 0.999), 1e-15);
        assertEquals(0.999, EmaTeacher.alpha(5000, 0.999), 0.0);
        INDArray t = Nd4j.createFromArray(1f, 2f);
        INDArray s = Nd4j.createFromArray(3f, 6f);
        EmaTeacher.update(Map.of("w", t), Map.of("w", s), 0, 0.999);
        assertEquals(s, t, "iteration 0 copies the student");
        EmaTeacher.update(Map.of("w", t), Map.of("w", Nd4j.createFromArray(5f, 2f)), 1, 0.999);
        assertEquals(Nd4j.createFromArray(4f, 4f), t);
    }
}
