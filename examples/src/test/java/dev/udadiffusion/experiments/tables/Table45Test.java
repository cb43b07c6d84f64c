package dev.udadiffusion.experiments.tables;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.safetensors.SafetensorsWriter;
import dev.udadiffusion.core.testing.TestData;
import dev.udadiffusion.data.io.LabelMaps;
import dev.udadiffusion.experiments.ExperimentLog;
import dev.udadiffusion.experiments.demo.DemoReport;
import dev.udadiffusion.experiments.demo.DemoReportTest;
import dev.udadiffusion.segformer.SegformerConfig;
import java.awt.image.BufferedImage;
import java.util.Random;
import javax.imageio.ImageIO;
import org.nd4j.linalg.api.ndarray.INDArray;
import dev.udadiffusion.segformer.eval.ConfusionMatrix;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Table45Test {

    /** {@link DemoReportTest#cm}: two classes, {@code wrong} pixels of the second predicted as the first. */
    private static ConfusionMatrix cm(int wrong) {
        return DemoReportTest.cm(wrong);
    }

    @Test
    void theTableHasTheThesisRowsOursAndEachSelfTrainingRowAgainstItsBaseline(@TempDir Path dir) throws Exception {
        Map<String, List<ConfusionMatrix>> r = new LinkedHashMap<>();
        r.put("source", List.of(cm(4), cm(5), cm(6)));
        r.put("generated", List.of(cm(3), cm(3), cm(4)));
        r.put("source + self-training", List.of(cm(2), cm(3), cm(4)));
        r.put("generated + self-training", List.of(cm(1), cm(2), cm(1)));
        Path md = dir.resolve("table4.5.md");
        Table45.write(md, new DemoReport(r), "test rows", 0.5);
        String t = Files.readString(md);
        assertTrue(t.startsWith("# Table 4.5 (thesis §4.3.4)"), t);
        assertTrue(t.contains("| thesis: Gen (w/ DAFormer) | 96.0 | 72.1 |") && t.contains("59.9 |"), t);
        assertTrue(t.contains("| thesis: GTA5 (w/ DAFormer) |") && t.contains("| 68.3 |"), t);
        assertTrue(t.contains("| ours: generated + self-training |"), t);
        assertTrue(t.contains("- generated + self-training against generated: +") && t.contains("ahead on 3 of 3 seeds"), t);
        assertTrue(t.contains("- source + self-training against source: +"), t);
        assertEquals(20, ThesisNumbers.TABLE_4_5.rows().get("Gen (w/o DAFormer)").length);
    }

    /** Road below, sky above (labels as the layout stores them; 4,096 pixels each, above RCS's 3,000), noisy colours. */
    static void pair(Path image, Path label, int roadId, int skyId, Random r) throws Exception {
        BufferedImage img = new BufferedImage(128, 64, BufferedImage.TYPE_INT_RGB);
        int[][] lab = new int[64][128];
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 128; x++) {
                boolean road = y >= 32;
                int n = r.nextInt(40);
                img.setRGB(x, y, road ? ((90 + n) << 16) | ((90 + n) << 8) | (90 + n) : ((60 + n) << 16) | ((120 + n) << 8) | 220);
                lab[y][x] = road ? roadId : skyId;
            }
        }
        Files.createDirectories(image.getParent());
        ImageIO.write(img, "png", image.toFile());
        if (label != null) {
            Files.createDirectories(label.getParent());
            ImageIO.write(LabelMaps.grey(lab), "png", label.toFile());
        }
    }

    @Test
    void table44ComparesEachGeneratorWithTheOneBefore(@TempDir Path dir) throws Exception {
        Map<String, List<ConfusionMatrix>> r = new LinkedHashMap<>();
        r.put("neither", List.of(cm(5), cm(6), cm(5)));
        r.put("RCS", List.of(cm(3), cm(4), cm(4)));
        r.put("RCS + SCR", List.of(cm(3), cm(2), cm(1)));
        Path md = dir.resolve("table4.4.md");
        Table44.write(md, new DemoReport(r), "test rows", 0.5);
        String t = Files.readString(md);
        assertTrue(t.startsWith("# Table 4.4 (thesis §4.3.3)"), t);
        assertTrue(t.contains("| neither | 43.8 |") && t.contains("| RCS | 47.6 |") && t.contains("| RCS + SCR | 51.1 |"), t);
        assertTrue(t.contains("| neither: +") && t.contains("| RCS: +"), t);
        assertEquals(List.of("neither", "RCS", "RCS + SCR"), List.copyOf(Table44.VARIANTS.keySet()));
    }

    /**
     * The real-data path end to end on tiny folders in the real layouts (GTA5, Cityscapes, a generated set) with the
     * tiny SegFormer as the "ImageNet" backbone and two iterations per row: the thesis's crops, resizes, feature distance
     * and sliding-window evaluation all run, and the table has the three rows.
     */
    @Test
    void theRealDataRecipeRunsEndToEndOnTinyFolders(@TempDir Path dir) throws Exception {
        Table45.RealData data = tinyRealData(dir);
        Path out = dir.resolve("table");
        Path md = Table45.real(data, out, ExperimentLog.silent());
        String t = Files.readString(md);
        assertTrue(t.contains("| ours: generated |") && t.contains("| ours: generated + self-training |")
                && t.contains("| ours: source + self-training |"), t);
        assertTrue(t.contains("2 iterations per row"), t);
        for (String row : List.of("generated", "generated-self-training", "source-self-training")) {
            assertTrue(Files.isRegularFile(out.resolve(row + "/segformer/model.safetensors")), row);
            assertTrue(Files.isRegularFile(out.resolve(row + "/iou.csv")), row);
        }
        assertEquals("step,loss,lr,grad_norm,loss_source,loss_mix",
                Files.readAllLines(out.resolve("source-self-training/loss.csv")).get(0));
        assertTrue(Files.isRegularFile(out.resolve("generated-self-training/teacher/model.safetensors")));
    }

    /**
     * GTA5, Cityscapes and generated folders of two tiny pairs each in their real layouts, with the tiny SegFormer's
     * encoder as the "ImageNet" backbone and two iterations per row.
     */
    static Table45.RealData tinyRealData(Path dir) throws Exception {
        Random r = new Random(5);
        Path gta = dir.resolve("gta5");
        Path cs = dir.resolve("cityscapes");
        Path gen = dir.resolve("generated");
        for (int i = 1; i <= 2; i++) {
            pair(gta.resolve(String.format("images/%05d.png", i)), gta.resolve(String.format("labels/%05d.png", i)), 7, 23, r);
            String stem = "aachen_00000" + i + "_000019";
            pair(cs.resolve("leftImg8bit/train/aachen/" + stem + "_leftImg8bit.png"),
                    cs.resolve("gtFine/train/aachen/" + stem + "_gtFine_labelIds.png"), 7, 23, r);
            pair(cs.resolve("leftImg8bit/val/aachen/" + stem + "_leftImg8bit.png"),
                    cs.resolve("gtFine/val/aachen/" + stem + "_gtFine_labelIds.png"), 7, 23, r);
            pair(gen.resolve("leftImg8bit/train/generated/" + i + "_leftImg8bit.png"),
                    gen.resolve("gtFine/train/generated/" + i + "_gtFine_labelTrainIds.png"), 0, 10, r);
        }
        Path fx = TestData.reference("segformer_tiny");
        Path mit = dir.resolve("mit_tiny.safetensors");
        Map<String, INDArray> encoder = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(fx.resolve("weights.safetensors"))) {
            f.names().stream().filter(k -> k.startsWith("segformer.")).forEach(k -> encoder.put(k, f.load(k)));
        }
        SafetensorsWriter.write(mit, encoder, Map.of("format", "pt"));
        SegformerConfig cfg = Configs.read(fx.resolve("config.json"), SegformerConfig.class);
        return new Table45.RealData(gta, cs, gen, mit, cfg, 2);
    }
}
