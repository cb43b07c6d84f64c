package dev.udadiffusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.testing.TestData;
import dev.udadiffusion.core.testing.TinyModels;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandsTest {

    @TempDir
    static Path dir;
    static Path sd;
    static Path images;
    static Path pairs;

    @BeforeAll
    static void data() throws Exception {
        sd = TinyModels.stableDiffusion(dir);
        images = Files.createDirectories(dir.resolve("domain"));
        pairs = dir.resolve("pairs");
        Files.createDirectories(pairs.resolve("images"));
        Files.createDirectories(pairs.resolve("labels"));
        int[][] labels;
        try (SafetensorsFile io = SafetensorsFile.open(TestData.reference("controlnet_tiny").resolve("io.safetensors"))) {
            labels = io.load("in.label_map").slice(0).castTo(org.nd4j.linalg.api.buffer.DataType.INT).toIntMatrix();
        }
        Random r = new Random(3);
        for (int i = 0; i < 3; i++) {
            BufferedImage img = new BufferedImage(128, 128, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setPaint(new GradientPaint(0, 0, new Color(r.nextInt(1 << 24)), 128, 128, new Color(r.nextInt(1 << 24))));
            g.fillRect(0, 0, 128, 128);
            g.dispose();
            ImageIO.write(img, "png", images.resolve("d" + i + ".png").toFile());
            ImageIO.write(img, "png", pairs.resolve("images/p" + i + ".png").toFile());
            BufferedImage lab = new BufferedImage(128, 128, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < 128; y++) {
                for (int x = 0; x < 128; x++) {
                    int v = labels[(y + 17 * i) % 128][x];
                    lab.getRaster().setSample(x, y, 0, v == 19 ? 255 : v);
                }
            }
            ImageIO.write(lab, "png", pairs.resolve("labels/p" + i + ".png").toFile());
        }
    }

    static double mean(List<String> csv, int from, int to) {
        return csv.subList(from, to).stream().mapToDouble(l -> Double.parseDouble(l.split(",")[1])).average().orElseThrow();
    }

    @Test
    void trainUnetWritesAUsableUnetCheckpointsAndLossCurve() throws Exception {
        Path out = dir.resolve("unet-run");
        var r = SafetensorsCommandTest.run("train-unet", "--model", sd.toString(), "--instance-data", images.toString(),
                "--resolution", "64", "--steps", "12", "--lr", "1e-4", "--batch", "2", "--checkpoint-every", "5",
                "--log-every", "4", "--out", out.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("iter 4: loss") && r.out().contains("it/s") && r.out().contains("ETA"), r.out());
        assertTrue(Files.exists(out.resolve("unet/diffusion_pytorch_model.safetensors")));
        assertTrue(Files.exists(out.resolve("loss.png")));
        assertEquals(13, Files.readAllLines(out.resolve("loss.csv")).size());
        assertTrue(Files.isDirectory(out.resolve("checkpoint-00000012")) && Files.isDirectory(out.resolve("checkpoint-00000010")));
        // the fine-tuned U-Net drops into generation (U-Net swap)
        var g = SafetensorsCommandTest.run("generate", "--model", sd.toString(), "--unet", out.resolve("unet").toString(),
                "--prompt", "road", "--steps", "2", "--height", "64", "--width", "64", "--out", dir.resolve("gen").toString());
        assertEquals(0, g.code(), g.out() + g.err());
    }

    @Test
    void trainLightweightControlNetFromMaskPairs() throws Exception {
        Path out = dir.resolve("cn-run");
        var r = SafetensorsCommandTest.run("train-controlnet", "--model", sd.toString(), "--data", pairs.toString(),
                "--resolution", "64", "--steps", "6", "--lr", "1e-4", "--batch", "2", "--lightweight",
                "--embedding-channels", "8,16,32,64", "--checkpoint-every", "3", "--out", out.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(Files.exists(out.resolve("controlnet/config.json")));
        var g = SafetensorsCommandTest.run("generate", "--model", sd.toString(), "--controlnet", out.resolve("controlnet").toString(),
                "--mask", pairs.resolve("labels/p0.png").toString(), "--steps", "2", "--out", dir.resolve("gen-cn").toString());
        assertEquals(0, g.code(), g.out() + g.err());
    }

    @Test
    void badDataFoldersAreReportedInOneLine() {
        var r = SafetensorsCommandTest.run("train-controlnet", "--model", sd.toString(), "--data", images.toString(),
                "--steps", "2", "--out", dir.resolve("bad").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("expected images/ and labels/"), r.err());
    }

    @Test
    void trainControlNetOnGta5LayoutWithLabelIds() throws Exception {
        // GTA5 layout: NNNNN.png images, labels holding Cityscapes labelIds (7 road, 26 car, 24 person)
        Path gta = dir.resolve("gta5");
        Files.createDirectories(gta.resolve("images"));
        Files.createDirectories(gta.resolve("labels"));
        for (int i = 0; i < 2; i++) {
            ImageIO.write(ImageIO.read(pairs.resolve("images/p" + i + ".png").toFile()), "png",
                    gta.resolve("images/0000" + (i + 1) + ".png").toFile());
            BufferedImage lab = new BufferedImage(128, 128, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < 128; y++) {
                for (int x = 0; x < 128; x++) {
                    lab.getRaster().setSample(x, y, 0, y < 64 ? 7 : x < 64 ? 26 : 24);
                }
            }
            ImageIO.write(lab, "png", gta.resolve("labels/0000" + (i + 1) + ".png").toFile());
        }
        var r = SafetensorsCommandTest.run("train-controlnet", "--model", sd.toString(), "--data", gta.toString(),
                "--layout", "gta5", "--resolution", "64", "--steps", "2", "--batch", "1", "--lightweight",
                "--embedding-channels", "8,16,32,64", "--checkpoint-every", "0", "--rcs", "0.01", "--rcs-min-pixels", "100",
                "--out", dir.resolve("cn-gta").toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("data: gta5, 2 pairs"), r.out());
        // Rare Class Sampling drew one class per sample: 2 steps x batch 1
        var times = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                dir.resolve("cn-gta/rcs_times_sampled.json").toFile());
        long drawn = 0;
        for (var v : (Iterable<com.fasterxml.jackson.databind.JsonNode>) times::elements) {
            drawn += v.asLong();
        }
        assertEquals(2, drawn, times.toString());
        assertTrue(r.out().contains("Rare Class Sampling: times each class was drawn"), r.out());
        var bad = SafetensorsCommandTest.run("train-controlnet", "--model", sd.toString(), "--data", gta.toString(),
                "--layout", "voc", "--out", dir.resolve("cn-bad").toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("not one of folder, cityscapes, gta5"), bad.err());
    }

    /**
     * The trainers learn through the command line. U-Net: over 40 steps the mean of the last 10 losses is below the
     * first 10's. ControlNet (zero-initialised, so it starts at the U-Net's loss and moves slowly): 30 steps at lr 1e-3
     * are compared, step by step, with a run on the same seed (same timesteps and noise) whose learning rate is 1e-12;
     * the last 15 steps' mean loss must be lower (measured: 7 % lower, every one of the 15 steps lower). About 2 min on
     * 2 cores; the library's own tests (UNetFineTuningTest, ControlNetTrainingTest) cover the trainers in depth.
     */
    @Test
    void theTrainersLowerTheLoss() throws Exception {
        Path out = dir.resolve("long-unet");
        var r = SafetensorsCommandTest.run("train-unet", "--model", sd.toString(), "--instance-data", images.toString(),
                "--resolution", "64", "--steps", "40", "--lr", "3e-4", "--batch", "2", "--checkpoint-every", "0",
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String> csv = Files.readAllLines(out.resolve("loss.csv"));
        assertEquals(41, csv.size(), "header + one line per step");
        assertTrue(mean(csv, 31, 41) < mean(csv, 1, 11), "U-Net loss " + mean(csv, 1, 11) + " -> " + mean(csv, 31, 41));
        double learning = controlNetLoss("1e-3");
        double still = controlNetLoss("1e-12");
        assertTrue(learning < still, "ControlNet loss over steps 16-30: " + learning + " trained, " + still + " untrained");
        System.out.println("U-Net loss " + mean(csv, 1, 11) + " -> " + mean(csv, 31, 41) + "; ControlNet loss over steps "
                + "16-30 " + learning + " (lr 1e-3) vs " + still + " (lr 1e-12)");
    }

    /** Mean loss of steps 16-30 of a seeded 30-step ControlNet run. */
    private static double controlNetLoss(String lr) throws Exception {
        Path cnOut = dir.resolve("long-cn-" + lr);
        var c = SafetensorsCommandTest.run("train-controlnet", "--model", sd.toString(), "--data", pairs.toString(),
                "--resolution", "64", "--steps", "30", "--lr", lr, "--batch", "2", "--embedding-channels", "8,16,32,64",
                "--checkpoint-every", "0", "--seed", "5", "--out", cnOut.toString());
        assertEquals(0, c.code(), c.err());
        List<String> ccsv = Files.readAllLines(cnOut.resolve("loss.csv"));
        assertEquals(31, ccsv.size(), "header + one line per step");
        return mean(ccsv, 16, 31);
    }
}
