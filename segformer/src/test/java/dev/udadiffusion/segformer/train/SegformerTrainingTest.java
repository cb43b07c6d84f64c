package dev.udadiffusion.segformer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.testing.TestData;
import dev.udadiffusion.core.train.TrainingLoop;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.io.LabelMaps;
import dev.udadiffusion.segformer.SegformerConfig;
import dev.udadiffusion.segformer.SegformerModel;
import dev.udadiffusion.segformer.eval.ConfusionMatrix;
import dev.udadiffusion.segformer.eval.Evaluator;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class SegformerTrainingTest {

    @TempDir
    static Path dir;
    static Path root;
    static SegformerConfig cfg;
    static Path weights;

    /** Cityscapes layout where colour decides the class: reddish = road (labelId 7), bluish = car (26), noise on top. */
    @BeforeAll
    static void dataset() throws Exception {
        root = dir.resolve("cityscapes");
        Random r = new Random(7);
        for (String split : new String[] {"train", "val"}) {
            for (int i = 0; i < 3; i++) {
                String stem = "aachen_00000" + i + "_000019";
                BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
                int[][] lab = new int[48][64];
                int cut = 16 + r.nextInt(32);
                for (int y = 0; y < 48; y++) {
                    for (int x = 0; x < 64; x++) {
                        boolean road = (x < cut) ^ (i % 2 == 1);
                        int n = r.nextInt(40);
                        img.setRGB(x, y, road ? ((180 + n) << 16) | (40 << 8) | 40 : (40 << 16) | (40 << 8) | (180 + n));
                        lab[y][x] = road ? 7 : 26;
                    }
                }
                Path ip = root.resolve("leftImg8bit/" + split + "/aachen/" + stem + "_leftImg8bit.png");
                Files.createDirectories(ip.getParent());
                ImageIO.write(img, "png", ip.toFile());
                Path lp = root.resolve("gtFine/" + split + "/aachen/" + stem + "_gtFine_labelIds.png");
                Files.createDirectories(lp.getParent());
                ImageIO.write(LabelMaps.grey(lab), "png", lp.toFile());
            }
        }
        Path fx = TestData.reference("segformer_tiny");
        cfg = Configs.read(fx.resolve("config.json"), SegformerConfig.class);
        weights = fx.resolve("weights.safetensors");
    }

    static TrainingLoop.Listener quiet() {
        return (step, total, r, sps) -> { };
    }

    @Test
    void trainingOnAnOnDiskSetRaisesMIoUWithBothInferenceModes() {
        Datasets.Listing train = Datasets.cityscapes(root, "train", Datasets.Policy.ERROR);
        Datasets.Listing val = Datasets.cityscapes(root, "val", Datasets.Policy.ERROR);
        Evaluator.Options whole = new Evaluator.Options(0, 0, 0, 0, null);
        Evaluator.Options slide = new Evaluator.Options(0, 0, 32, 16, null);
        Path out = dir.resolve("run");
        try (SegformerModel m = SegformerModel.load(cfg, weights)) {
            double before = Evaluator.run(m, val, whole, null).meanIoU();
            SegformerTraining.Options o = SegformerTraining.Options.daformer(out).withCrops(new SegformerTraining.Options.Crops(32, 0, 0, 0.75))
                    .withBatch(2).withTraining(t -> t.steps(40).warmup(4).lr(1e-3).checkpointEvery(0))
                    .withRcs(new SegformerTraining.Options.Rcs(0.01, 500));
            TrainingLoop.History h = SegformerTraining.run(m, train, o, quiet());
            assertEquals(40, h.losses().size());
            ConfusionMatrix afterWhole = Evaluator.run(m, val, whole, null);
            ConfusionMatrix afterSlide = Evaluator.run(m, val, slide, null);
            assertTrue(afterWhole.meanIoU() > before + 0.2, before + " -> " + afterWhole.meanIoU());
            assertTrue(afterSlide.meanIoU() > before + 0.2, before + " -> " + afterSlide.meanIoU());
            assertTrue(Files.exists(out.resolve("sample_class_stats.json")), "RCS statistics cached in the run folder");
        }
        // the written folder loads as a SegFormer and predicts as the trained model did
        try (SegformerModel saved = SegformerModel.load(out.resolve("segformer"))) {
            assertTrue(Evaluator.run(saved, val, whole, null).meanIoU() > 0.5);
        }
    }

    @Test
    void resumedRunEqualsUninterruptedIncludingBatchNormStatistics() {
        Datasets.Listing train = Datasets.cityscapes(root, "train", Datasets.Policy.ERROR);
        INDArray straightMean;
        INDArray straightW;
        try (SegformerModel m = SegformerModel.load(cfg, weights)) {
            SegformerTraining.run(m, train, SegformerTraining.Options.daformer(dir.resolve("a")).withCrops(new SegformerTraining.Options.Crops(32, 0, 0, 1)).withBatch(1)
                    .withTraining(t -> t.steps(4).warmup(1).lr(1e-3).checkpointEvery(2).resume(false)).withRcs(new SegformerTraining.Options.Rcs(0, 3000)), quiet());
            straightMean = m.params().torchValue("decode_head.batch_norm.running_mean").dup();
            straightW = m.params().torchValue("decode_head.classifier.weight").dup();
        }
        Path b = dir.resolve("b");
        try (SegformerModel m = SegformerModel.load(cfg, weights)) {
            // a crash during step 3 (the checkpoint of step 2 is complete)
            assertThrows(IllegalStateException.class, () -> SegformerTraining.run(m, train, SegformerTraining.Options.daformer(b)
                    .withCrops(new SegformerTraining.Options.Crops(32, 0, 0, 1)).withBatch(1)
                    .withTraining(t -> t.steps(4).warmup(1).lr(1e-3).checkpointEvery(2).resume(false)).withRcs(new SegformerTraining.Options.Rcs(0, 3000)), (step, total, r, sps) -> {
                        if (step == 3) {
                            throw new IllegalStateException("simulated crash");
                        }
                    }));
        }
        try (SegformerModel m = SegformerModel.load(cfg, weights)) {
            SegformerTraining.run(m, train, SegformerTraining.Options.daformer(b).withCrops(new SegformerTraining.Options.Crops(32, 0, 0, 1)).withBatch(1)
                    .withTraining(t -> t.steps(4).warmup(1).lr(1e-3).checkpointEvery(2).resume(true)).withRcs(new SegformerTraining.Options.Rcs(0, 3000)), quiet());
            assertEquals(straightMean, m.params().torchValue("decode_head.batch_norm.running_mean"));
            assertEquals(straightW, m.params().torchValue("decode_head.classifier.weight"));
        }
    }
}
