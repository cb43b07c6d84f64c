package dev.udadiffusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.testing.TestData;
import dev.udadiffusion.core.testing.TinyModels;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerateCommandTest {

    @Test
    void generatesFromAMaskWithTheTinyModels(@TempDir Path dir) throws Exception {
        Path sd = TinyModels.stableDiffusion(dir);
        Path cn = TinyModels.controlNet(dir);
        // the fixture's label map as a trainId PNG (19 = background is written as 255 = ignore)
        int[][] labels;
        try (SafetensorsFile io = SafetensorsFile.open(TestData.reference("controlnet_tiny").resolve("io.safetensors"))) {
            labels = io.load("in.label_map").slice(0).castTo(org.nd4j.linalg.api.buffer.DataType.INT).toIntMatrix();
        }
        BufferedImage png = new BufferedImage(labels[0].length, labels.length, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < labels.length; y++) {
            for (int x = 0; x < labels[0].length; x++) {
                png.getRaster().setSample(x, y, 0, labels[y][x] == 19 ? 255 : labels[y][x]);
            }
        }
        Path mask = dir.resolve("mask.png");
        ImageIO.write(png, "png", mask.toFile());
        Path outDir = dir.resolve("out");
        var r = SafetensorsCommandTest.run("generate", "--model", sd.toString(), "--controlnet", cn.toString(), "--mask",
                mask.toString(), "--steps", "2", "--seed", "7", "--batch", "2", "--scheduler", "ddim", "--out", outDir.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("prompt: ") && r.out().contains("road"), r.out());
        assertTrue(r.out().contains("2/2") && r.out().contains("ETA"), r.out());
        Path first = outDir.resolve("image-7-00.png");
        BufferedImage img = ImageIO.read(first.toFile());
        assertEquals(128, img.getWidth());
        assertEquals(128, img.getHeight());
        assertTrue(Files.exists(outDir.resolve("image-7-01.png")));
        var meta = dev.udadiffusion.core.image.Images.readPngText(first);
        assertTrue(meta.get("prompt").contains("road"), meta.toString());
        assertTrue(meta.get("parameters").contains("seed=7") && meta.get("parameters").contains("DDIMScheduler"), meta.toString());
        // the same seed gives the same image
        Path again = dir.resolve("again");
        SafetensorsCommandTest.run("generate", "--model", sd.toString(), "--controlnet", cn.toString(), "--mask",
                mask.toString(), "--steps", "2", "--seed", "7", "--batch", "2", "--scheduler", "ddim", "--out", again.toString());
        assertTrue(java.util.Arrays.equals(Files.readAllBytes(first), Files.readAllBytes(again.resolve("image-7-00.png"))));
        var bad = SafetensorsCommandTest.run("generate", "--model", sd.toString(), "--mask", mask.toString());
        assertEquals(2, bad.code(), "--mask without --controlnet is a usage error");
        var odd = SafetensorsCommandTest.run("generate", "--model", sd.toString(), "--prompt", "x", "--height", "100");
        assertEquals(2, odd.code(), "a size the VAE cannot take is a usage error, before loading");
        assertTrue(odd.err().contains("--height 100") && odd.err().contains("multiple of 8")
                && odd.err().lines().count() == 1, odd.err());
        var missing = SafetensorsCommandTest.run("generate", "--model", dir.resolve("nope").toString(), "--prompt", "x");
        assertTrue(missing.code() != 0 && missing.err().contains("no such file"), missing.err());
    }
}
