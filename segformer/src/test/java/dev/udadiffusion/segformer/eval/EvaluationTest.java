package dev.udadiffusion.segformer.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.testing.TestData;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.io.LabelMaps;
import dev.udadiffusion.segformer.SegformerConfig;
import dev.udadiffusion.segformer.SegformerModel;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class EvaluationTest {

    @TempDir
    Path dir;

    @Test
    void iouFromAHandComputedConfusionMatrix() {
        ConfusionMatrix cm = new ConfusionMatrix();
        cm.add(new int[][] {{0, 0, 1}, {1, 255, 2}}, new int[][] {{0, 1, 1}, {1, 0, 0}}, "a");
        cm.add(new int[][] {{255, 255}}, new int[][] {{3, 4}}, "all ignored"); // adds nothing
        assertEquals(1, cm.count(0, 0));
        assertEquals(1, cm.count(0, 1));
        assertEquals(2, cm.count(1, 1));
        assertEquals(1, cm.count(2, 0));
        double[] iou = cm.iou();
        assertEquals(1.0 / 3, iou[0], 1e-15); // tp 1, gt 2, predicted 2
        assertEquals(2.0 / 3, iou[1], 1e-15); // tp 2, gt 2, predicted 3
        assertEquals(0.0, iou[2], 0); // present, never predicted
        for (int c = 3; c < 19; c++) {
            assertTrue(Double.isNaN(iou[c]), "absent class " + c);
        }
        assertEquals(1.0 / 3, cm.meanIoU(), 1e-15); // mean over the three defined classes
        assertEquals(3.0 / 5, cm.pixelAccuracy(), 1e-15);
        String table = IoUReport.table(cm);
        assertTrue(table.startsWith("  Road") && table.contains("mIoU") && table.contains("33.3") && table.contains("n/a"), table);
    }

    @Test
    void emptyMatrixAndBadValues() {
        ConfusionMatrix cm = new ConfusionMatrix();
        cm.add(new int[][] {{255}}, new int[][] {{0}}, "x");
        assertTrue(Double.isNaN(cm.meanIoU()));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> cm.add(new int[][] {{19}}, new int[][] {{0}}, "l.png"))
                .getMessage().contains("l.png: label value 19 at (x=0, y=0)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> cm.add(new int[][] {{1, 2}}, new int[][] {{0}}, "m.png"))
                .getMessage().contains("m.png: prediction is 1x1 but the label is 2x1"));
    }

    @Test
    void reportFilesAreWritten() throws Exception {
        ConfusionMatrix cm = new ConfusionMatrix();
        cm.add(new int[][] {{0, 13}}, new int[][] {{0, 0}}, "a");
        IoUReport.writeCsv(cm, dir.resolve("iou.csv"));
        List<String> csv = Files.readAllLines(dir.resolve("iou.csv"));
        assertEquals("class,iou", csv.get(0));
        assertEquals("road,0.500000", csv.get(1));
        assertEquals("sidewalk,", csv.get(2));
        assertEquals("car,0.000000", csv.get(14));
        assertEquals("mIoU,0.250000", csv.get(20));
        IoUReport.writeChart(cm, dir.resolve("iou.png"), "test");
        assertEquals(70 + 19 * 36 + 30, ImageIO.read(dir.resolve("iou.png").toFile()).getWidth());
    }

    @Test
    void windowStartsFollowMmseg() {
        assertArrayEquals(new int[] {0, 256, 512}, SlidingWindow.starts(1024, 512, 256));
        assertArrayEquals(new int[] {0}, SlidingWindow.starts(512, 512, 256));
        assertArrayEquals(new int[] {0}, SlidingWindow.starts(500, 512, 256));
        assertArrayEquals(new int[] {0, 188}, SlidingWindow.starts(700, 512, 256));
    }

    @Test
    void overlappingWindowsAreAveraged() {
        INDArray img = Nd4j.rand(DataType.FLOAT, 1, 3, 4, 6);
        AtomicInteger calls = new AtomicInteger();
        // window k (1-based) answers k everywhere: columns 0-1 see window 1, 2-3 both, 4-5 window 2
        INDArray avg = SlidingWindow.infer(img, 4, 2, w -> Nd4j.ones(DataType.FLOAT, 1, 2, w.size(2), w.size(3))
                .muli(calls.incrementAndGet()));
        assertEquals(2, calls.get());
        assertEquals(1.0, avg.getDouble(0, 1, 3, 1), 0);
        assertEquals(1.5, avg.getDouble(0, 0, 0, 2), 0);
        assertEquals(1.5, avg.getDouble(0, 1, 2, 3), 0);
        assertEquals(2.0, avg.getDouble(0, 0, 1, 5), 0);
        // windows that see the image itself reproduce it
        INDArray same = SlidingWindow.infer(img, 3, 1, w -> w);
        assertEquals(0.0, same.sub(img).amaxNumber().doubleValue(), 1e-7);
    }

    @Test
    void tinySegformerEvaluatesAnOnDiskCityscapesSetBothWays() throws Exception {
        Path root = dir.resolve("cityscapes");
        Random r = new Random(5);
        for (int i = 0; i < 2; i++) {
            String stem = "zurich_00000" + i + "_000019";
            BufferedImage img = new BufferedImage(96, 48, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 48; y++) {
                for (int x = 0; x < 96; x++) {
                    img.setRGB(x, y, r.nextInt(1 << 24));
                }
            }
            Path ip = root.resolve("leftImg8bit/val/zurich/" + stem + "_leftImg8bit.png");
            Files.createDirectories(ip.getParent());
            ImageIO.write(img, "png", ip.toFile());
            int[][] lab = new int[48][96];
            for (int y = 0; y < 48; y++) {
                for (int x = 0; x < 96; x++) {
                    lab[y][x] = y < 16 ? 23 : y < 40 ? (x < 48 ? 26 : 24) : 7; // sky, car / person, road (labelIds)
                }
            }
            lab[0][0] = 0; // unlabeled → ignore
            Path lp = root.resolve("gtFine/val/zurich/" + stem + "_gtFine_labelIds.png");
            Files.createDirectories(lp.getParent());
            ImageIO.write(LabelMaps.grey(lab), "png", lp.toFile());
        }
        Datasets.Listing val = Datasets.cityscapes(root, "val", Datasets.Policy.ERROR);
        Path fx = TestData.reference("segformer_tiny");
        SegformerConfig cfg = Configs.read(fx.resolve("config.json"), SegformerConfig.class);
        try (SegformerModel m = SegformerModel.load(cfg, fx.resolve("weights.safetensors"))) {
            AtomicInteger seen = new AtomicInteger();
            ConfusionMatrix whole = Evaluator.run(m, val, new Evaluator.Options(64, 32, 0, 0, dir.resolve("pred")),
                    (done, total, s) -> seen.set(done * 10 + total));
            assertEquals(22, seen.get());
            long counted = 0;
            for (int t = 0; t < 19; t++) {
                for (int p = 0; p < 19; p++) {
                    counted += whole.count(t, p);
                }
            }
            assertEquals(2 * (96 * 48 - 1), counted); // every pixel but the ignored one, at full label resolution
            int[][] written = LabelMaps.read(dir.resolve("pred/zurich_000000_000019_trainIds.png"));
            assertEquals(96, written[0].length);
            assertTrue(Files.exists(dir.resolve("pred/zurich_000001_000019_color.png")));
            // a window covering the whole test image is whole-image inference
            ConfusionMatrix oneWindow = Evaluator.run(m, val, new Evaluator.Options(64, 32, 64, 32, null), null);
            assertArrayEquals(whole.iou(), oneWindow.iou());
            // overlapping windows give a different, complete evaluation
            ConfusionMatrix slid = Evaluator.run(m, val, new Evaluator.Options(64, 32, 32, 16, null), null);
            long slidCount = 0;
            for (int t = 0; t < 19; t++) {
                for (int p = 0; p < 19; p++) {
                    slidCount += slid.count(t, p);
                }
            }
            assertEquals(counted, slidCount);
        }
    }

    @Test
    void logitResizeKeepsConstantsAndInterpolatesRamps() {
        INDArray ramp = Nd4j.create(new float[] {0, 1, 2, 3}, new long[] {1, 1, 1, 4});
        INDArray up = Evaluator.resize(ramp.broadcast(1, 1, 2, 4).dup(), 2, 8);
        // torch bilinear, align_corners=False, 4 → 8: 0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3
        float[] want = {0f, 0.25f, 0.75f, 1.25f, 1.75f, 2.25f, 2.75f, 3f};
        for (int x = 0; x < 8; x++) {
            assertEquals(want[x], up.getFloat(0, 0, 1, x), 1e-6);
        }
    }
}
