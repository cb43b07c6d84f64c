package dev.udadiffusion.experiments.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.experiments.QuickLoop;
import dev.udadiffusion.experiments.RecordingLog;
import dev.udadiffusion.experiments.demo.DemoOptions;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class Figure52Test {

    /**
     * --quick on the quick zoo: both ControlNets generate from the same masks and seeds, the oracle SegFormer scores
     * their alignment, the class colours their style; the page, chart and the enlarged side-by-side grid are written.
     */
    @Test
    void quickRunComparesBothControlNetsOnTheSameMasks() throws Exception {
        Path zoo = QuickLoop.zoo().result().zoo();
        Path dir = QuickLoop.demo().out(); // the demo's oracle row is reused
        RecordingLog log = new RecordingLog();
        String t = Files.readString(Figure52.toy(DemoOptions.standard(zoo, dir).withBudget(DemoOptions.Budget.QUICK)
                .withJobs(2), "test", log));
        assertTrue(t.startsWith("# Figure 5.2 (thesis §5.1)"), t);
        assertTrue(t.contains("| full ControlNet | ") && t.contains("| lightweight ControlNet | "), t);
        assertTrue(t.contains("- the thesis's direction (closer in style, worse in alignment): "), t);
        List<String> full = Files.readAllLines(dir.resolve("seed-0/generated-controlnet/manifest.jsonl"));
        List<String> light = Files.readAllLines(dir.resolve("seed-0/generated-controlnet-lightweight/manifest.jsonl"));
        assertEquals(8, full.size());
        for (int i = 0; i < full.size(); i++) {
            // same id, mask and seed; only the ControlNet differs
            String f = full.get(i).replaceAll(",\"files_sha256\".*", "");
            String l = light.get(i).replaceAll(",\"files_sha256\".*", "");
            assertEquals(f.replaceAll("\"controlnet.*", ""), l.replaceAll("\"controlnet.*", ""));
            assertTrue(l.contains("/controlnet_lightweight\""), l);
        }
        // 6 rows of mask | full | lightweight, each 64×32 cell shown 3× (4 px gaps)
        BufferedImage grid = ImageIO.read(dir.resolve("figure5.2_samples.png").toFile());
        assertEquals(3 * 192 + 2 * 4, grid.getWidth());
        assertEquals(6 * (96 + 4), grid.getHeight());
        assertTrue(Files.size(dir.resolve("figure5.2.png")) > 1000);
        assertTrue(Files.readString(dir.resolve("figure5.2.html")).contains("figure5.2_samples.png"));
        assertTrue(Files.isRegularFile(dir.resolve("seed-0/train-target-oracle/segformer/model.safetensors")));
    }
}
