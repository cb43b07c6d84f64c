package dev.udadiffusion.segformer.uda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.testing.TestData;
import dev.udadiffusion.core.train.TrainingLoop;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.io.LabelMaps;
import dev.udadiffusion.segformer.SegformerConfig;
import dev.udadiffusion.segformer.SegformerModel;
import dev.udadiffusion.segformer.train.SegformerTraining;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The self-training loop on disk: unlabeled target images, loss terms in loss.csv, teacher in checkpoints, exact resume. */
class SelfTrainingTest {

    @TempDir
    static Path dir;
    static Path source;
    static Path target;
    static SegformerConfig cfg;
    static Path weights;

    /** Source: reddish road (labelId 7) beside bluish cars (26), labeled; target: the same scenes in other hues, no labels. */
    @BeforeAll
    static void data() throws Exception {
        source = dir.resolve("source");
        target = dir.resolve("target");
        Random r = new Random(11);
        for (int i = 0; i < 3; i++) {
            String stem = "aachen_00000" + i + "_000019";
            for (boolean labeled : new boolean[] {true, false}) {
                BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
                int[][] lab = new int[48][64];
                int cut = 16 + r.nextInt(32);
                for (int y = 0; y < 48; y++) {
                    for (int x = 0; x < 64; x++) {
                        boolean road = x < cut;
                        int n = r.nextInt(40);
                        int rgb = labeled ? (road ? ((180 + n) << 16) | (40 << 8) | 40 : (40 << 16) | (40 << 8) | (180 + n))
                                : (road ? ((200 + n) << 16) | (120 << 8) | 40 : (120 << 16) | (40 << 8) | (160 + n));
                        img.setRGB(x, y, rgb);
                        lab[y][x] = road ? 7 : 26;
                    }
                }
                Path root = labeled ? source : target;
                Path ip = root.resolve("leftImg8bit/train/aachen/" + stem + "_leftImg8bit.png");
                Files.createDirectories(ip.getParent());
                ImageIO.write(img, "png", ip.toFile());
                if (labeled) {
                    Path lp = root.resolve("gtFine/train/aachen/" + stem + "_gtFine_labelIds.png");
                    Files.createDirectories(lp.getParent());
                    ImageIO.write(LabelMaps.grey(lab), "png", lp.toFile());
                }
            }
        }
        Path fx = TestData.reference("segformer_tiny");
        cfg = Configs.read(fx.resolve("config.json"), SegformerConfig.class);
        weights = fx.resolve("weights.safetensors");
    }

    /** Threshold 0: every pseudo-label counts (q = 1), so the teacher shapes the mixed loss from the first step. */
    static SelfTraining.Options options(Path out, boolean resume) {
        DacsBatch.Settings dacs = new DacsBatch.Settings(0, 1, 8, 0.999, StrongAugment.Settings.DAFORMER);
        return SelfTraining.Options.daformer(out).withTargetResize(0, 0).withDacs(dacs)
                .withSource(SegformerTraining.Options.daformer(out).withCrops(new SegformerTraining.Options.Crops(32, 0, 0, 1))
                        .withBatch(2).withRcs(SegformerTraining.Options.Rcs.OFF)
                        .withTraining(t -> t.steps(4).warmup(1).lr(1e-3).checkpointEvery(2).resume(resume)));
    }

    static TrainingLoop.Listener quiet() {
        return (step, total, r, sps) -> { };
    }

    @Test
    void adaptsWithUnlabeledTargetsAndLogsEachLossTerm() throws Exception {
        Datasets.Listing src = Datasets.cityscapes(source, "train", Datasets.Policy.ERROR);
        List<Path> tgt = Datasets.images(target, Datasets.Layout.AUTO, "train");
        assertEquals(3, tgt.size());
        assertFalse(Files.exists(target.resolve("gtFine")));
        Path out = dir.resolve("run");
        try (SegformerModel m = SegformerModel.load(cfg, weights)) {
            INDArray before = m.params().torchValue("decode_head.classifier.weight").dup();
            TrainingLoop.History h = SelfTraining.run(m, src, tgt, options(out, false), quiet());
            assertEquals(4, h.losses().size());
            assertNotEquals(before, m.params().torchValue("decode_head.classifier.weight"));
        }
        List<String> csv = Files.readAllLines(out.resolve("loss.csv"));
        assertEquals("step,loss,lr,grad_norm,loss_source,loss_mix", csv.get(0));
        assertEquals(5, csv.size());
        String[] row = csv.get(1).split(",");
        assertEquals(Double.parseDouble(row[1]), Double.parseDouble(row[4]) + Double.parseDouble(row[5]), 1e-5);
        assertTrue(Files.isRegularFile(out.resolve("checkpoint-00000002/teacher.safetensors")));
        assertTrue(Files.isRegularFile(out.resolve("segformer/model.safetensors")));
        assertTrue(Files.isRegularFile(out.resolve("teacher/model.safetensors")));
        try (SegformerModel student = SegformerModel.load(out.resolve("segformer"));
                SegformerModel teacher = SegformerModel.load(out.resolve("teacher"))) {
            assertNotEquals(student.params().torchValue("decode_head.classifier.weight"),
                    teacher.params().torchValue("decode_head.classifier.weight"), "the teacher lags behind the student");
        }
    }

    @Test
    void resumedRunEqualsUninterrupted() {
        Datasets.Listing src = Datasets.cityscapes(source, "train", Datasets.Policy.ERROR);
        List<Path> tgt = Datasets.images(target, Datasets.Layout.AUTO, "train");
        INDArray straight;
        try (SegformerModel m = SegformerModel.load(cfg, weights)) {
            SelfTraining.run(m, src, tgt, options(dir.resolve("a"), false), quiet());
            straight = m.params().torchValue("segformer.encoder.block.0.0.attention.self.query.weight").dup();
        }
        Path b = dir.resolve("b");
        try (SegformerModel m = SegformerModel.load(cfg, weights)) {
            assertThrows(IllegalStateException.class, () -> SelfTraining.run(m, src, tgt, options(b, false), (step, total, r, sps) -> {
                if (step == 3) {
                    throw new IllegalStateException("simulated crash");
                }
            }));
        }
        try (SegformerModel m = SegformerModel.load(cfg, weights)) {
            SelfTraining.run(m, src, tgt, options(b, true), quiet());
            assertArrayEquals(straight.dup().data().asFloat(), // bit for bit (INDArray.equals allows 1e-5)
                    m.params().torchValue("segformer.encoder.block.0.0.attention.self.query.weight").dup().data().asFloat());
        }
        try (SegformerModel ta = SegformerModel.load(dir.resolve("a/teacher")); SegformerModel tb = SegformerModel.load(b.resolve("teacher"))) {
            assertArrayEquals(ta.params().torchValue("decode_head.classifier.weight").dup().data().asFloat(),
                    tb.params().torchValue("decode_head.classifier.weight").dup().data().asFloat(), "the teacher continues from its checkpoint");
        }
    }
}
