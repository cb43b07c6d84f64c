package dev.udadiffusion.controlnet.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.random.Rng;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class MaskedImageDataTest {

    @TempDir
    Path dir;

    /** Left half {@code left}, right half {@code right}. */
    static void writeLabel(Path p, int w, int h, int left, int right) throws Exception {
        BufferedImage g = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                g.getRaster().setSample(x, y, 0, x < w / 2 ? left : right);
            }
        }
        Files.createDirectories(p.getParent());
        ImageIO.write(g, "png", p.toFile());
    }

    static void writeImage(Path p, int w, int h) throws Exception {
        Files.createDirectories(p.getParent());
        ImageIO.write(new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB), "png", p.toFile());
    }

    /** The channel that is hot at (y, x). */
    static int hot(INDArray cond, int y, int x) {
        for (int c = 0; c < cond.size(1); c++) {
            if (cond.getDouble(0, c, y, x) == 1.0) {
                return c;
            }
        }
        return -1;
    }

    @Test
    void cityscapesLabelIdsBecomeTrainIdConditioningAndPrompt() throws Exception {
        Path root = dir.resolve("cs");
        writeImage(root.resolve("leftImg8bit/train/aachen/aachen_000000_000019_leftImg8bit.png"), 32, 16);
        // labelIds 26 (car → 13) and 7 (road → 0)
        writeLabel(root.resolve("gtFine/train/aachen/aachen_000000_000019_gtFine_labelIds.png"), 32, 16, 26, 7);
        MaskedImageData d = MaskedImageData.open(root, MaskedImageData.Format.CITYSCAPES, "train");
        assertEquals("cityscapes/train", d.name());
        assertEquals(1, d.size());
        MaskedImageData.Sample s = d.sample(0, 16, false, false, new Rng(1));
        assertEquals(13, hot(s.conditioning(), 8, 2));
        assertEquals(0, hot(s.conditioning(), 8, 13));
        assertTrue(s.prompt().contains("car") && s.prompt().contains("road"), s.prompt());
    }

    @Test
    void gta5LabelsOfAnotherSizeAreResizedAndReported() throws Exception {
        Path root = dir.resolve("gta");
        writeImage(root.resolve("images/00001.png"), 32, 16);
        writeLabel(root.resolve("labels/00001.png"), 16, 8, 24, 255); // person (24 → 11), 255 → ignore (in every layout)
        MaskedImageData d = MaskedImageData.open(root, MaskedImageData.Format.GTA5, null);
        assertEquals(1, d.size());
        assertEquals(1, d.skipped().size());
        assertTrue(d.skipped().get(0).contains("label resized"), d.skipped().get(0));
        MaskedImageData.Sample s = d.sample(0, 16, false, false, new Rng(1));
        assertEquals(11, hot(s.conditioning(), 4, 3));
        assertEquals(19, hot(s.conditioning(), 4, 12)); // ignore → background channel
    }

    /** An id outside the GTA5 table stops training at its file, unless unknown ids are asked to read as ignore. */
    @Test
    void unknownLabelIdsAreAnErrorUnlessAskedToIgnore() throws Exception {
        Path root = dir.resolve("gta-unknown");
        writeImage(root.resolve("images/00001.png"), 16, 16);
        writeLabel(root.resolve("labels/00001.png"), 16, 16, 24, 200);
        MaskedImageData strict = MaskedImageData.open(root, MaskedImageData.Format.GTA5, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> strict.sample(0, 16, false, false, new Rng(1)));
        assertTrue(e.getMessage().contains("00001.png") && e.getMessage().contains("label id 200"), e.getMessage());
        MaskedImageData lenient = MaskedImageData.open(root, MaskedImageData.Format.GTA5, null, true);
        MaskedImageData.Sample s = lenient.sample(0, 16, false, false, new Rng(1));
        assertEquals(11, hot(s.conditioning(), 4, 3)); // person
        assertEquals(19, hot(s.conditioning(), 4, 12)); // 200 → ignore → background channel
    }

    @Test
    void strictFolderRejectsNonTrainIds() throws Exception {
        Path root = dir.resolve("plain");
        writeImage(root.resolve("images/a.png"), 16, 16);
        writeLabel(root.resolve("labels/a.png"), 16, 16, 3, 40);
        MaskedImageData d = MaskedImageData.open(root);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> d.sample(0, 16, false, false, new Rng(1)));
        assertTrue(e.getMessage().contains("a.png"), e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> MaskedImageData.open(dir.resolve("none"), MaskedImageData.Format.CITYSCAPES, "train"))
                .getMessage().contains("folder does not exist"));
    }
}
