package dev.udadiffusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.testing.TestData;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegformerCommandTest {

    /** The tiny SegFormer fixture as a transformers folder. */
    static Path tinyModel(Path dir) throws Exception {
        Path model = Files.createDirectories(dir.resolve("segformer"));
        Path fx = TestData.reference("segformer_tiny");
        Files.copy(fx.resolve("config.json"), model.resolve("config.json"));
        Files.copy(fx.resolve("weights.safetensors"), model.resolve("model.safetensors"));
        return model;
    }

    @Test
    void evalWritesTheIoUTableCsvChartAndPredictions(@TempDir Path dir) throws Exception {
        Path model = tinyModel(dir);
        Path root = dir.resolve("gta");
        Files.createDirectories(root.resolve("images"));
        Files.createDirectories(root.resolve("labels"));
        Random r = new Random(2);
        for (int f = 1; f <= 2; f++) {
            BufferedImage img = new BufferedImage(96, 48, BufferedImage.TYPE_INT_RGB);
            BufferedImage g = new BufferedImage(96, 48, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < 48; y++) {
                for (int x = 0; x < 96; x++) {
                    img.setRGB(x, y, r.nextInt(1 << 24));
                    g.getRaster().setSample(x, y, 0, y < 24 ? 23 : 7); // sky, road (labelIds)
                }
            }
            ImageIO.write(img, "png", root.resolve(String.format("images/%05d.png", f)).toFile());
            ImageIO.write(g, "png", root.resolve(String.format("labels/%05d.png", f)).toFile());
        }
        Path out = dir.resolve("eval");
        var res = SafetensorsCommandTest.run("segformer", "eval", "--model", model.toString(), "--data", root.toString(),
                "--size", "64x32", "--slide", "32:16", "--predictions", dir.resolve("pred").toString(), "--out", out.toString());
        assertEquals(0, res.code(), res.out() + res.err());
        assertTrue(res.out().contains("data: gta5, 2 images"), res.out());
        assertTrue(res.out().contains("Road") && res.out().contains("Bike") && res.out().contains("mIoU"), res.out());
        List<String> csv = Files.readAllLines(out.resolve("iou.csv"));
        assertEquals(21, csv.size());
        assertTrue(csv.get(20).startsWith("mIoU,"), csv.get(20));
        assertTrue(Files.exists(out.resolve("iou.png")));
        assertTrue(Files.exists(dir.resolve("pred/00002_color.png")));
        // train a few steps from the tiny model, then evaluate what was written
        Path run = dir.resolve("run");
        var tr = SafetensorsCommandTest.run("segformer", "train", "--model", model.toString(), "--data", root.toString(),
                "--crop", "32", "--batch", "1", "--steps", "3", "--warmup", "1", "--rcs-min-pixels", "100", "--resize", "none",
                "--checkpoint-every", "2", "--out", run.toString());
        assertEquals(0, tr.code(), tr.out() + tr.err());
        assertTrue(tr.out().contains("trained 3 steps"), tr.out());
        assertEquals(4, Files.readAllLines(run.resolve("loss.csv")).size());
        assertTrue(Files.exists(run.resolve("loss.png")));
        var ev = SafetensorsCommandTest.run("segformer", "eval", "--model", run.resolve("segformer").toString(),
                "--data", root.toString(), "--size", "native", "--out", dir.resolve("eval2").toString());
        assertEquals(0, ev.code(), ev.out() + ev.err());
        var bad = SafetensorsCommandTest.run("segformer", "eval", "--model", model.toString(), "--data", root.toString(),
                "--slide", "16:32");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("need 0 < stride <= window"), bad.err());
        var noModel = SafetensorsCommandTest.run("segformer", "eval", "--model", dir.resolve("nope").toString(),
                "--data", root.toString(), "--size", "64x32");
        assertEquals(1, noModel.code());
        assertTrue(noModel.err().contains("nope: not a folder") && noModel.err().contains("config.json"), noModel.err());
    }

    /** adapt: labeled GTA5-layout source, a Cityscapes-layout target without gtFine, loss terms logged, bad rows refused. */
    @Test
    void adaptSelfTrainsOnUnlabeledTargetImages(@TempDir Path dir) throws Exception {
        Path model = tinyModel(dir);
        Path src = dir.resolve("gta");
        Files.createDirectories(src.resolve("images"));
        Files.createDirectories(src.resolve("labels"));
        Path tgt = Files.createDirectories(dir.resolve("cs/leftImg8bit/train/aachen"));
        Random r = new Random(3);
        for (int f = 1; f <= 2; f++) {
            BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
            BufferedImage g = new BufferedImage(64, 48, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < 48; y++) {
                for (int x = 0; x < 64; x++) {
                    img.setRGB(x, y, r.nextInt(1 << 24));
                    g.getRaster().setSample(x, y, 0, y < 24 ? 23 : 7);
                }
            }
            ImageIO.write(img, "png", src.resolve(String.format("images/%05d.png", f)).toFile());
            ImageIO.write(g, "png", src.resolve(String.format("labels/%05d.png", f)).toFile());
            ImageIO.write(img, "png", tgt.resolve("aachen_00000" + f + "_000019_leftImg8bit.png").toFile());
        }
        Path run = dir.resolve("adapt");
        var res = SafetensorsCommandTest.run("segformer", "adapt", "--model", model.toString(), "--source", src.toString(),
                "--target", dir.resolve("cs").toString(), "--crop", "32", "--batch", "2", "--steps", "3", "--warmup", "1",
                "--resize", "none", "--target-resize", "none", "--rcs-temperature", "0", "--pseudo-threshold", "0",
                "--checkpoint-every", "2", "--out", run.toString());
        assertEquals(0, res.code(), res.out() + res.err());
        assertTrue(res.out().contains("source: gta5, 2 labeled images; target: ") && res.out().contains("2 images (labels not read)"), res.out());
        assertTrue(res.out().contains("adapted 3 steps"), res.out());
        List<String> csv = Files.readAllLines(run.resolve("loss.csv"));
        assertEquals("step,loss,lr,grad_norm,loss_source,loss_mix", csv.get(0));
        assertEquals(4, csv.size());
        assertTrue(Files.isRegularFile(run.resolve("teacher/model.safetensors")));
        assertTrue(Files.isRegularFile(run.resolve("checkpoint-00000002/teacher.safetensors")));
        var rows = SafetensorsCommandTest.run("segformer", "adapt", "--model", model.toString(), "--source", src.toString(),
                "--target", dir.resolve("cs").toString(), "--crop", "32", "--resize", "none", "--target-resize", "none",
                "--ignore-top", "16", "--ignore-bottom", "16", "--out", dir.resolve("x").toString());
        assertEquals(2, rows.code());
        assertTrue(rows.err().contains("cover the whole 32-row crop"), rows.err());
        var noTarget = SafetensorsCommandTest.run("segformer", "adapt", "--model", model.toString(), "--source", src.toString(),
                "--target", dir.resolve("none").toString(), "--crop", "32", "--resize", "none", "--target-resize", "none",
                "--out", dir.resolve("y").toString());
        assertEquals(1, noTarget.code());
        assertTrue(noTarget.err().contains("none"), noTarget.err());
        assertFalse(Files.exists(dir.resolve("y")), "nothing written before the inputs are checked");
    }
}
