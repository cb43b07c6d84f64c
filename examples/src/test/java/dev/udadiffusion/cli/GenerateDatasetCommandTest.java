package dev.udadiffusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.testing.TestData;
import dev.udadiffusion.core.testing.TinyModels;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.segformer.SegformerModel;
import dev.udadiffusion.segformer.eval.ConfusionMatrix;
import dev.udadiffusion.segformer.eval.Evaluator;
import dev.udadiffusion.segformer.eval.IoUReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenerateDatasetCommandTest {

    @Test
    void generatesFromToyMasksThenScoresAlignment(@TempDir Path dir) throws Exception {
        var toy = SafetensorsCommandTest.run("toyworld", "--out", dir.resolve("toy").toString(), "--width", "64",
                "--height", "32", "--source", "6", "--target-train", "1", "--target-val", "1");
        assertEquals(0, toy.code(), toy.err());
        Path sd = TinyModels.stableDiffusion(dir);
        Path cn = TinyModels.controlNet(dir);
        Path out = dir.resolve("gen");
        // the tiny SegFormer fixture judges refinements and scores alignment (the tiny models are untrained)
        Path seg = Files.createDirectories(dir.resolve("segformer"));
        Files.copy(TestData.reference("segformer_tiny").resolve("config.json"), seg.resolve("config.json"));
        Files.copy(TestData.reference("segformer_tiny").resolve("weights.safetensors"), seg.resolve("model.safetensors"));
        // rejected settings leave nothing behind, so the corrected command below is not refused as "other settings"
        for (String[] bad : new String[][] {{"--guidance", "-3"}, {"--steps", "5000"}, {"--size", "100000x100000"}}) {
            var rejected = SafetensorsCommandTest.run("generate-dataset", "--source-labels",
                    dir.resolve("toy/source").toString(), "--model", sd.toString(), "--controlnet", cn.toString(),
                    "--count", "2", "--out", out.toString(), bad[0], bad[1]);
            assertEquals(2, rejected.code(), rejected.err());
            assertTrue(rejected.err().contains(bad[0]) && !Files.exists(out), rejected.err());
        }
        var r = SafetensorsCommandTest.run("generate-dataset", "--source-labels", dir.resolve("toy/source").toString(),
                "--model", sd.toString(), "--unet", sd.resolve("unet").toString(), "--controlnet", cn.toString(),
                "--count", "2", "--size", "128x64", "--steps", "2", "--rcs-min-pixels", "20", "--scr-max", "1",
                "--batch", "2", "--scr-accept", seg.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("wrote 2 samples (0 already there)"), r.out());
        assertTrue(r.out().contains("Rare Class Sampling") && r.out().contains("motorcycle"), r.out());
        assertEquals(2, Files.readAllLines(out.resolve("manifest.jsonl")).size());
        String line = Files.readAllLines(out.resolve("manifest.jsonl")).get(0);
        assertTrue(line.contains("\"unet_sha256\":\"" + dev.udadiffusion.core.io.Fingerprints.sha256(sd.resolve("unet")) + "\"")
                && line.contains("\"controlnet_sha256\"") && line.contains("\"scr_rejected\""), line);
        var again = SafetensorsCommandTest.run("generate-dataset", "--source-labels", dir.resolve("toy/source").toString(),
                "--model", sd.toString(), "--controlnet", cn.toString(), "--count", "2", "--size", "128x64", "--steps", "2",
                "--rcs-min-pixels", "20", "--scr-max", "1", "--out", out.toString());
        assertTrue(again.out().contains("wrote 0 samples (2 already there)"), again.out() + again.err());
        // other settings would mix two generators in one folder: refused, naming the difference
        var other = SafetensorsCommandTest.run("generate-dataset", "--source-labels", dir.resolve("toy/source").toString(),
                "--model", sd.toString(), "--controlnet", cn.toString(), "--count", "3", "--size", "128x64", "--steps", "2",
                "--rcs-min-pixels", "20", "--out", out.toString());
        assertTrue(other.code() != 0 && other.err().contains("generation.json") && other.err().contains("scr_max 1 (now 20)"),
                other.out() + other.err());
        assertEquals(2, Files.readAllLines(out.resolve("manifest.jsonl")).size());
        var a = SafetensorsCommandTest.run("eval-alignment", "--segmenter", seg.toString(), "--data", out.toString());
        assertEquals(0, a.code(), a.out() + a.err());
        // the number printed is the segmenter's mIoU on the generated images against their own masks, computed here
        // through the library on the same folder
        try (SegformerModel m = SegformerModel.load(seg)) {
            ConfusionMatrix cm = Evaluator.run(m, Datasets.cityscapes(out, "train", Datasets.Policy.ERROR),
                    Evaluator.Options.wholeImage(), null);
            assertTrue(a.out().contains(String.format(Locale.ROOT, "alignment mIoU %.1f;", 100 * cm.meanIoU())), a.out());
            assertTrue(a.out().contains(IoUReport.table(cm)), a.out());
        }
        assertTrue(Files.isRegularFile(out.resolve("alignment.csv")));
    }

    /**
     * {@code --spark} needs Spark on the class path, which the command line does not bundle (the spark module's tests run
     * the job itself, in local mode); the judge of SCR is refused with it.
     */
    @Test
    void sparkIsLookedForOnTheClassPathAndTheScrJudgeIsRefused(@TempDir Path dir) {
        String[] common = {"generate-dataset", "--source-labels", dir.toString(), "--model", dir.toString(), "--controlnet",
            dir.toString(), "--count", "3", "--spark", "local[2]"};
        var r = SafetensorsCommandTest.run(concat(common, "--out", dir.resolve("a").toString()));
        assertTrue(r.code() == 2 && r.err().contains("--spark: Apache Spark is not on the class path; set SPARK_HOME"), r.err());
        var judged = SafetensorsCommandTest.run(concat(common, "--scr-accept", dir.toString(), "--out", dir.resolve("b").toString()));
        assertTrue(judged.code() == 2 && judged.err().contains("--scr-accept is not available with --spark"), judged.err());
        assertTrue(!java.nio.file.Files.exists(dir.resolve("a")) && !java.nio.file.Files.exists(dir.resolve("b")));
    }

    static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
