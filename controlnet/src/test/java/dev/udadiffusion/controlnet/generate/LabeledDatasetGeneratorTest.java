package dev.udadiffusion.controlnet.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.controlnet.ControlNetModel;
import dev.udadiffusion.core.testing.TinyModels;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.io.LabelMaps;
import dev.udadiffusion.data.labels.CityscapesClasses;
import dev.udadiffusion.data.rcs.DatasetStats;
import dev.udadiffusion.data.toyworld.ToyWorld;
import dev.udadiffusion.diffusion.pipeline.StableDiffusion;
import dev.udadiffusion.diffusion.pipeline.StableDiffusionPipeline;
import dev.udadiffusion.diffusion.unet.UNet2DConditionConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabeledDatasetGeneratorTest {

    @TempDir
    Path dir;

    Datasets.Listing sourceMasks(int n) {
        ToyWorld w = new ToyWorld(64, 32, 11);
        Path root = w.write(dir.resolve("toy"), new ToyWorld.Counts(n, 1, 1), null).source();
        return Datasets.gta5(root, Datasets.Policy.ERROR, true);
    }

    static LabeledDatasetOptions options(int count, double rcsT, SmallComponentsRefinement.Options scr, int batch) {
        return LabeledDatasetOptions.builder(count).seed(5).size(128, 64).steps(2).guidance(2.0).rcs(rcsT, 20).scr(scr)
                .batch(batch).output("train", "gen").build();
    }

    @Test
    void writesAlignedPairsResumesWithoutDuplicatesOrGapsAndRecordsTheRun() throws Exception {
        Datasets.Listing masks = sourceMasks(8);
        Path out = dir.resolve("gen");
        Map<String, String> models = Map.of("unet", "tiny-unet", "controlnet", "tiny-controlnet");
        try (StableDiffusion sd = StableDiffusion.load(TinyModels.stableDiffusion(dir));
                ControlNetModel cn = ControlNetModel.load(TinyModels.controlNet(dir))) {
            StableDiffusionPipeline pipe = sd.pipeline(null);
            LabeledDatasetGenerator.Report first = LabeledDatasetGenerator.run(pipe, cn, masks, out, options(3, 0.01, null, 2),
                    models, null);
            assertEquals(3, first.written());
            assertEquals(3, Arrays.stream(first.timesSampled()).sum());
            Path image1 = out.resolve("leftImg8bit/train/gen/gen_000000_000001_leftImg8bit.png");
            byte[] bytes1 = Files.readAllBytes(image1);
            // a crash after writing sample 2's files but before its manifest line: the line is lost
            Path manifest = out.resolve("manifest.jsonl");
            List<String> lines = Files.readAllLines(manifest);
            Files.write(manifest, lines.subList(0, 2));
            LabeledDatasetGenerator.Report second = LabeledDatasetGenerator.run(pipe, cn, masks, out,
                    options(4, 0.01, null, 2), models, null);
            assertEquals(2, second.written(), "sample 2 again, then 3");
            assertEquals(2, second.resumed());
            List<String> all = Files.readAllLines(manifest);
            Set<String> ids = new HashSet<>();
            for (String l : all) {
                ids.add(l.replaceAll(".*\"id\":\"([^\"]+)\".*", "$1"));
                assertTrue(l.contains("\"unet\":\"tiny-unet\"") && l.contains("\"prompt\":"), l);
            }
            assertEquals(Set.of("000000_000000", "000000_000001", "000000_000002", "000000_000003"), ids);
            assertEquals(4, all.size(), "no duplicate lines");
            // resuming with other settings or models would mix two generators: refused before anything is written
            LabeledDatasetOptions louder = options(5, 0.01, null, 2).toBuilder().controlScale(1.5).build();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> LabeledDatasetGenerator.run(pipe, cn, masks, out, louder, models, null));
            assertTrue(e.getMessage().contains("generation.json") && e.getMessage().contains("control_scale 1.0 (now 1.5)"),
                    e.getMessage());
            e = assertThrows(IllegalStateException.class, () -> LabeledDatasetGenerator.run(pipe, cn, masks, out,
                    options(5, 0.01, null, 2), Map.of("unet", "other-unet", "controlnet", "tiny-controlnet"), null));
            assertTrue(e.getMessage().contains("unet tiny-unet (now other-unet)"), e.getMessage());
            assertEquals(4, Files.readAllLines(manifest).size());
            assertArrayEquals(bytes1, Files.readAllBytes(image1), "finished samples are not rewritten");
            // the written labels are the (resized) source masks, readable as a Cityscapes set
            Datasets.Listing gen = Datasets.cityscapes(out, "train", Datasets.Policy.ERROR);
            assertEquals(4, gen.samples().size());
            LabeledDatasetGenerator.Job j3 = LabeledDatasetGenerator.Plan.of(masks, options(4, 0.01, null, 2),
                    DatasetStats.of(masks, out.resolve(".source-mask-stats"))).job(3);
            assertTrue(Arrays.deepEquals(j3.mask(), LabelMaps.readTrainIds(gen.samples().get(3), gen.mapping(), false)));
            assertTrue(Files.readString(out.resolve("generation.json")).contains("\"rcs_times_sampled\""));
            assertTrue(Files.isRegularFile(out.resolve("samples_grid.png")));
            // batch size does not change a sample: its noise comes from its own seed
            Path solo = dir.resolve("solo");
            LabeledDatasetGenerator.run(pipe, cn, masks, solo, options(2, 0.01, null, 1), models, null);
            var a = dev.udadiffusion.core.image.Images.read(image1);
            var b = dev.udadiffusion.core.image.Images.read(solo.resolve("leftImg8bit/train/gen/gen_000000_000001_leftImg8bit.png"));
            int maxDiff = maxGreyDiff(a, b);
            assertTrue(maxDiff <= 2, "batch 1 vs 2 differ by " + maxDiff + " grey levels");
            // SCR: the sample's small components are regenerated, recorded in the manifest
            Path refined = dir.resolve("refined");
            LabeledDatasetGenerator.Report r = LabeledDatasetGenerator.run(pipe, cn, masks, refined,
                    options(1, 0.01, new SmallComponentsRefinement.Options(3000, 1, 3, 1), 1), models, null);
            assertEquals(1, r.refinements(), "toy masks at 128x64 have components under 94 px");
            assertTrue(Files.readString(refined.resolve("manifest.jsonl")).contains("\"scr_refined\":\"1\""));
            // SCR crops are denoised across the images of a batch: the same pixels as one image at a time
            var scr2 = new SmallComponentsRefinement.Options(3000, 2, 3, 1);
            Path byTwo = dir.resolve("refined-batch2");
            Path byOne = dir.resolve("refined-batch1");
            LabeledDatasetGenerator.Report r2 = LabeledDatasetGenerator.run(pipe, cn, masks, byTwo, options(2, 0.01, scr2, 2),
                    models, null);
            LabeledDatasetGenerator.Report r1 = LabeledDatasetGenerator.run(pipe, cn, masks, byOne, options(2, 0.01, scr2, 1),
                    models, null);
            assertEquals(4, r2.refinements(), "two components refined in each of the two images");
            assertEquals(r1.refinements(), r2.refinements());
            for (String id : List.of("000000_000000", "000000_000001")) {
                String f = "leftImg8bit/train/gen/gen_" + id + "_leftImg8bit.png";
                assertTrue(maxGreyDiff(dev.udadiffusion.core.image.Images.read(byTwo.resolve(f)),
                        dev.udadiffusion.core.image.Images.read(byOne.resolve(f))) <= 2, id);
            }
        }
    }

    static int maxGreyDiff(java.awt.image.BufferedImage a, java.awt.image.BufferedImage b) {
        int maxDiff = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                for (int s = 0; s <= 16; s += 8) {
                    maxDiff = Math.max(maxDiff, Math.abs(((a.getRGB(x, y) >> s) & 255) - ((b.getRGB(x, y) >> s) & 255)));
                }
            }
        }
        return maxDiff;
    }

    @Test
    void rareClassSamplingRaisesRareClassPixelsAmongTheChosenMasks() {
        Datasets.Listing masks = sourceMasks(40);
        var rcs = LabeledDatasetGenerator.Plan.of(masks, options(80, 0.01, null, 1), DatasetStats.of(masks, dir.resolve("stats")));
        var inOrderPlan = LabeledDatasetGenerator.Plan.of(masks, options(80, 0, null, 1), null);
        long[] withRcs = new long[CityscapesClasses.COUNT];
        long[] inOrder = new long[CityscapesClasses.COUNT];
        for (int i = 0; i < 80; i++) {
            count(rcs.job(i).mask(), withRcs);
            count(inOrderPlan.job(i).mask(), inOrder);
        }
        // the rarest classes of the source set (train, motorcycle, rider, bicycle) are drawn more often with RCS
        long rareWith = withRcs[16] + withRcs[17] + withRcs[12] + withRcs[18];
        long rareWithout = inOrder[16] + inOrder[17] + inOrder[12] + inOrder[18];
        assertTrue(rareWith > 1.5 * rareWithout, rareWith + " vs " + rareWithout);
    }

    static void count(int[][] m, long[] c) {
        for (int[] row : m) {
            for (int v : row) {
                if (v < CityscapesClasses.COUNT) {
                    c[v]++;
                }
            }
        }
    }

    @Test
    void aUNetWithOtherBlocksIsRefusedWithTheDifferences() throws Exception {
        try (ControlNetModel cn = ControlNetModel.load(TinyModels.controlNet(dir))) {
            UNet2DConditionConfig own = cn.config().unet();
            cn.config().requireCompatible(own, "same");
            com.fasterxml.jackson.databind.node.ObjectNode n = (com.fasterxml.jackson.databind.node.ObjectNode)
                    new com.fasterxml.jackson.databind.ObjectMapper().readTree(dev.udadiffusion.core.config.Configs.toJson(own));
            n.putArray("block_out_channels").add(32).add(64).add(64).add(64);
            n.put("layers_per_block", 1);
            UNet2DConditionConfig other = dev.udadiffusion.core.config.Configs.read(n, UNet2DConditionConfig.class, "other");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> cn.config().requireCompatible(other, "target-unet"));
            assertTrue(e.getMessage().contains("target-unet") && e.getMessage().contains("block_out_channels [32, 64, 64, 64]")
                    && e.getMessage().contains("layers_per_block 1 (ControlNet: 2)"), e.getMessage());
        }
    }
}
