package dev.udadiffusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataCommandTest {

    @Test
    void statsAndCheckOnAGta5Layout(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("gta");
        Files.createDirectories(root.resolve("images"));
        Files.createDirectories(root.resolve("labels"));
        for (int f = 1; f <= 2; f++) {
            BufferedImage g = new BufferedImage(100, 50, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < 50; y++) {
                for (int x = 0; x < 100; x++) {
                    g.getRaster().setSample(x, y, 0, y < 25 ? 23 : (x < 90 ? 7 : 26)); // sky, road, a little car
                }
            }
            ImageIO.write(new BufferedImage(100, 50, BufferedImage.TYPE_INT_RGB), "png",
                    root.resolve(String.format("images/%05d.png", f)).toFile());
            ImageIO.write(g, "png", root.resolve(String.format("labels/%05d.png", f)).toFile());
        }
        var r = SafetensorsCommandTest.run("data", "stats", root.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("(?s).*sky\\s+5,000\\s+0\\.50000.*"), r.out());
        assertTrue(r.out().matches("(?s).*car\\s+500\\s+0\\.05000.*"), r.out());
        assertTrue(Files.exists(root.resolve("class_frequencies.png")));
        var j = SafetensorsCommandTest.run("data", "stats", root.toString(), "--json");
        assertTrue(j.out().contains("\"rcs_probability\""), j.out());
        assertEquals(0, SafetensorsCommandTest.run("data", "check", root.toString()).code());
        // break it: a label with an id outside the table, and an image without a label
        BufferedImage bad = new BufferedImage(100, 50, BufferedImage.TYPE_BYTE_GRAY);
        bad.getRaster().setSample(3, 4, 0, 77);
        ImageIO.write(bad, "png", root.resolve("labels/00002.png").toFile());
        ImageIO.write(new BufferedImage(100, 50, BufferedImage.TYPE_INT_RGB), "png", root.resolve("images/00003.png").toFile());
        var c = SafetensorsCommandTest.run("data", "check", root.toString());
        assertEquals(1, c.code());
        assertTrue(c.out().contains("label id 77 at (x=3, y=4)") && c.out().contains("00003.png: no label"), c.out());
        assertTrue(c.out().contains("2 problems"), c.out());
    }

    @Test
    void toyworldWritesBothDomainsThatTheDataToolsRead(@TempDir Path dir) {
        Path out = dir.resolve("toy");
        var r = SafetensorsCommandTest.run("toyworld", "--out", out.toString(), "--seed", "4", "--source", "6",
                "--target-train", "5", "--target-val", "3");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("wrote " + out.toAbsolutePath()) && r.out().contains("traffic light"), r.out());
        assertTrue(Files.isRegularFile(out.resolve("source/images/00005.png")));
        assertTrue(Files.isRegularFile(out.resolve("target/gtFine/val/toy/toy_000000_000002_gtFine_labelIds.png")));
        assertEquals(0, SafetensorsCommandTest.run("data", "check", out.resolve("source").toString()).code());
        var t = SafetensorsCommandTest.run("data", "check", out.resolve("target").toString(), "--split", "val");
        assertEquals(0, t.code(), t.out());
        var again = SafetensorsCommandTest.run("toyworld", "--out", out.toString(), "--seed", "4", "--source", "6",
                "--target-train", "5", "--target-val", "3");
        assertTrue(again.out().contains("reused"), again.out());
        var other = SafetensorsCommandTest.run("toyworld", "--out", out.toString(), "--seed", "5");
        assertEquals(1, other.code());
        assertTrue(other.err().contains("other parameters"), other.err());
    }
}
