package dev.udadiffusion.diffusion.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderDataTest {

    static void png(Path p) throws Exception {
        Files.createDirectories(p.getParent());
        ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png", p.toFile());
    }

    @Test
    void subFoldersAreListedInPathOrderWithCaptionsByRelativePathTxtOrFixedPrompt(@TempDir Path dir) throws Exception {
        // a Cityscapes-like tree: train/CITY/*.png
        png(dir.resolve("zurich/zurich_000001_leftImg8bit.png"));
        png(dir.resolve("aachen/aachen_000002_leftImg8bit.png"));
        png(dir.resolve("aachen/aachen_000001_leftImg8bit.png"));
        Files.writeString(dir.resolve("aachen/aachen_000002_leftImg8bit.txt"), "a street in aachen\n");
        Files.writeString(dir.resolve("metadata.jsonl"),
                "{\"file_name\": \"zurich/zurich_000001_leftImg8bit.png\", \"text\": \"zurich\"}\n");
        Files.writeString(dir.resolve("notes.md"), "not an image");
        ImageFolderData d = ImageFolderData.open(dir, "city");
        List<String> rel = d.items().stream().map(i -> dir.relativize(i.image()).toString()).toList();
        assertEquals(List.of("aachen/aachen_000001_leftImg8bit.png", "aachen/aachen_000002_leftImg8bit.png",
                "zurich/zurich_000001_leftImg8bit.png"), rel);
        assertEquals(List.of("city", "a street in aachen", "zurich"), d.items().stream().map(ImageFolderData.Item::caption).toList());
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThrows(IllegalArgumentException.class, () -> ImageFolderData.open(empty, ""));
    }

    /** Resolution 0 trains on whole images: their own size, one size for all, symlinked folders followed. */
    @Test
    void nativeSizeKeepsTheImageAndNeedsOneSize(@TempDir Path dir) throws Exception {
        Path real = Files.createDirectories(dir.resolve("real"));
        BufferedImage wide = new BufferedImage(12, 4, BufferedImage.TYPE_INT_RGB);
        wide.setRGB(0, 0, 0xFF0000);
        ImageIO.write(wide, "png", real.resolve("a.png").toFile());
        ImageIO.write(wide, "png", real.resolve("b.png").toFile());
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.createSymbolicLink(data.resolve("linked"), real);
        ImageFolderData d = ImageFolderData.open(data, "");
        assertEquals(2, d.size());
        assertEquals(List.of(12, 4), List.of(UNetFineTuning.trainingSize(d, 0)[0], UNetFineTuning.trainingSize(d, 0)[1]));
        assertEquals(List.of(8, 8), List.of(UNetFineTuning.trainingSize(d, 8)[0], UNetFineTuning.trainingSize(d, 8)[1]));
        BufferedImage same = ImageFolderData.prepare(wide, 0, false, false, null);
        assertEquals(12, same.getWidth());
        assertEquals(0xFF0000, same.getRGB(0, 0) & 0xFFFFFF);
        ImageIO.write(new BufferedImage(8, 4, BufferedImage.TYPE_INT_RGB), "png", real.resolve("c.png").toFile());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UNetFineTuning.trainingSize(ImageFolderData.open(data, ""), 0));
        assertTrue(e.getMessage().contains("c.png") && e.getMessage().contains("one image size"), e.getMessage());
    }
}
