package dev.udadiffusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    @Test
    void evalWritesTheIoUTableCsvChartAndPredictions(@TempDir Path dir) throws Exception {
        Path model = Files.createDirectories(dir.resolve("segformer"));
        Path fx = TestData.reference("segformer_tiny");
        Files.copy(fx.resolve("config.json"), model.resolve("config.json"));
        Files.copy(fx.resolve("weights.safetensors"), model.resolve("model.safetensors"));
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
}
