package dev.udadiffusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.experiments.QuickLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code toyzoo train} and {@code demo} on the command line: what they print and how they refuse bad options (their
 * behaviour is tested through the library APIs in {@code dev.udadiffusion.experiments}); and the quick zoo loads in
 * {@code generate-dataset} with the U-Net swap, a fixed empty prompt and guess mode.
 */
class ToyZooCommandTest {

    @Test
    void demoPrintsItsTableAndRowsOnTheConsole() {
        QuickLoop.DemoRun first = QuickLoop.demo();
        Path zoo = QuickLoop.zoo().result().zoo();
        var d = SafetensorsCommandTest.run("demo", "--zoo", zoo.toString(), "--out", first.out().toString(), "--quick",
                "--jobs", "2");
        assertEquals(0, d.code(), d.out() + d.err());
        assertTrue(d.out().contains("generated 0 samples (8 already there)"), d.out());
        assertTrue(d.out().contains("SegFormer rows, seed 0 (2 at a time)") && d.out().contains("60/60"), d.out());
        for (String row : new String[] {"source ", "source + photometric aug.", "generated ", "target (oracle)"}) {
            assertTrue(d.out().contains("seed 0, " + row), row + " in\n" + d.out());
        }
        assertTrue(d.out().contains("trained on") && d.out().contains("mIoU") && d.out().contains("report: "), d.out());
    }

    @Test
    void badOptionsAreRefusedWithOneLine(@TempDir Path dir) {
        Path zoo = dir.resolve("zoo");
        var gamma = SafetensorsCommandTest.run("toyzoo", "train", "--out", zoo.toString(), "--snr-gamma", "-1");
        assertTrue(gamma.code() != 0 && gamma.err().contains("--snr-gamma=-1.0: must be in [0, 1000]"), gamma.err());
        assertFalse(Files.exists(zoo), "nothing written before the options are checked");
        var noZoo = SafetensorsCommandTest.run("demo", "--zoo", zoo.toString(), "--out", dir.resolve("d").toString());
        assertTrue(noZoo.code() != 0 && noZoo.err().contains("no zoo.json"), noZoo.err());
        Path real = QuickLoop.zoo().result().zoo();
        var jobs = SafetensorsCommandTest.run("demo", "--zoo", real.toString(), "--out", dir.resolve("d").toString(),
                "--jobs", "0");
        assertTrue(jobs.code() != 0 && jobs.err().contains("--jobs=0: must be in [1, 256]"), jobs.err());
        var seeds = SafetensorsCommandTest.run("demo", "--zoo", real.toString(), "--out", dir.resolve("d").toString(),
                "--seeds", "0");
        assertTrue(seeds.code() != 0 && seeds.err().contains("--seeds=0: must be in [1, 1000]"), seeds.err());
        assertFalse(Files.exists(dir.resolve("d")));
    }

    @Test
    void quickZooGeneratesWithTheSwapAnEmptyPromptAndGuessMode(@TempDir Path dir) throws Exception {
        Path zoo = QuickLoop.zoo().result().zoo();
        Path gen = dir.resolve("gen");
        var g = SafetensorsCommandTest.run("generate-dataset", "--source-labels", zoo.resolve(".work/world/source").toString(),
                "--model", zoo.toString(), "--unet", zoo.resolve("unet_target").toString(), "--controlnet",
                zoo.resolve("controlnet").toString(), "--prompt", "", "--guidance", "1", "--count", "2", "--size", "64x32",
                "--steps", "2", "--rcs-min-pixels", "23", "--batch", "2", "--guess-mode", "--out", gen.toString());
        assertEquals(0, g.code(), g.out() + g.err());
        assertTrue(g.out().contains("wrote 2 samples"), g.out());
        assertTrue(Files.readString(gen.resolve("generation.json")).contains("\"prompt\" : \"\""));
        assertTrue(Files.readString(gen.resolve("generation.json")).contains("\"guess_mode\" : true"));
    }
}
