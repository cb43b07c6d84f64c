package dev.udadiffusion.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.controlnet.ControlNetModel;
import dev.udadiffusion.controlnet.generate.LabeledDatasetGenerator;
import dev.udadiffusion.controlnet.generate.LabeledDatasetOptions;
import dev.udadiffusion.controlnet.generate.SmallComponentsRefinement;
import dev.udadiffusion.core.testing.TinyModels;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.toyworld.ToyWorld;
import dev.udadiffusion.diffusion.pipeline.StableDiffusion;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark job in local mode ({@code local[2,3]}: two cores, a failed task is tried up to three times) against the
 * single-machine generator on the same tiny models and toy-world masks: 10 samples, RCS and SCR on, batch groups of
 * 2 over 3 partitions. Every file of the output must be byte-identical — after a clean run, after a task that failed
 * midway and was retried, and after a job that failed and was run again.
 */
class SparkDatasetJobTest {

    @TempDir
    static Path dir;
    static Path sd;
    static Path cn;
    static Path source;
    static Path reference;
    static Map<String, String> models;

    static LabeledDatasetOptions options() {
        return LabeledDatasetOptions.builder(10).seed(3).size(128, 64).steps(2).guidance(2.0).rcs(0.01, 20)
                .scr(new SmallComponentsRefinement.Options(3000, 2, 3, 1)).batch(2).output("train", "gen").build();
    }

    static GenerationJobSpec spec(Path out, LabeledDatasetOptions o) {
        return new GenerationJobSpec(source.toString(), "gta5", "train", false, sd.toString(), null, null, cn.toString(),
                "ddim", o, out.toString(), 3);
    }

    @BeforeAll
    static void setUp() {
        sd = TinyModels.stableDiffusion(dir);
        cn = TinyModels.controlNet(dir);
        source = new ToyWorld(64, 32, 11).write(dir.resolve("toy"), new ToyWorld.Counts(8, 1, 1), null).source();
        models = LabeledDatasetGenerator.modelRecord(sd, null, cn);
        reference = dir.resolve("single-machine");
        Datasets.Listing masks = Datasets.gta5(source, Datasets.Policy.ERROR, false);
        long t0 = System.nanoTime();
        try (StableDiffusion s = StableDiffusion.load(sd); ControlNetModel c = ControlNetModel.load(cn)) {
            LabeledDatasetGenerator.run(s.pipeline(null), c, masks, reference, options(), models, null);
        }
        System.out.printf("single machine: %.1f s for 10 samples (models loaded once)%n", (System.nanoTime() - t0) / 1e9);
        System.setProperty("spark.ui.enabled", "false");
        System.setProperty("spark.driver.host", "127.0.0.1");
        System.setProperty("spark.driver.bindAddress", "127.0.0.1");
    }

    @AfterEach
    void noFault() {
        PartitionTask.fault = null;
    }

    /** The job on a context of its own, as the command line runs it ({@code local[2,3]}: a task is tried 3 times). */
    static SparkDatasetJob.Report run(Path out, StringWriter log) {
        return SparkDatasetJob.run("local[2,3]", spec(out, options()), new PrintWriter(log, true));
    }

    /** Every file under the folder (the class-statistics cache aside), by relative path. */
    static Map<String, byte[]> files(Path root) throws IOException {
        Map<String, byte[]> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String rel = root.relativize(p).toString();
                if (!rel.startsWith(".source-mask-stats")) {
                    m.put(rel, Files.readAllBytes(p));
                }
            }
        }
        return m;
    }

    /** Byte for byte, except generation.json when {@code resumed} ≥ 0: then it must say so, the rest equal. */
    static void assertSameAsSingleMachine(Path out, int resumed) throws IOException {
        Map<String, byte[]> want = files(reference);
        Map<String, byte[]> got = files(out);
        if (resumed >= 0) {
            String record = new String(got.get("generation.json"));
            assertTrue(record.contains("\"written_this_run\" : " + (10 - resumed) + ",\n  \"resumed\" : " + resumed + ","),
                    record);
            String ref = new String(want.get("generation.json"));
            int cut = ref.indexOf("\"written_this_run\"");
            assertEquals(ref.substring(0, cut), record.substring(0, cut), "generation.json up to the run's counts");
            got.put("generation.json", want.get("generation.json"));
        }
        assertEquals(want.keySet(), got.keySet(), "the same files");
        assertEquals(10 * 3 + 3, want.size(), "10 samples x 3 files, manifest, generation.json, grid");
        for (String f : want.keySet()) {
            if (f.endsWith(".json") || f.endsWith(".jsonl")) {
                assertEquals(new String(want.get(f)), new String(got.get(f)), f);
            }
            assertArrayEquals(want.get(f), got.get(f), f);
        }
    }

    @Test
    void aCleanRunIsByteIdenticalToOneMachine() throws IOException {
        StringWriter log = new StringWriter();
        long t0 = System.nanoTime();
        SparkDatasetJob.Report r = run(dir.resolve("clean"), log);
        System.out.printf("spark local[2,3]: %.1f s for 10 samples in 3 partitions%n%s", (System.nanoTime() - t0) / 1e9, log);
        assertEquals(10, r.written());
        assertEquals(3, r.partitions());
        assertTrue(log.toString().contains("10 samples in 3 partitions (batch groups of 2) on local[2,3]"), log.toString());
        assertEquals(models, SparkDatasetJob.modelRecord(spec(dir.resolve("clean"), options()),
                new org.apache.hadoop.conf.Configuration()), "the single machine's model entries");
        assertTrue(log.toString().contains("partition 2 (samples 6-9): 4 written, 0 already there"), log.toString());
        assertSameAsSingleMachine(dir.resolve("clean"), -1);
        // rerun: nothing to do, nothing changes; other settings in the same folder are refused before any task
        assertEquals(10, run(dir.resolve("clean"), new StringWriter()).resumed());
        assertSameAsSingleMachine(dir.resolve("clean"), 10);
        LabeledDatasetOptions louder = options().toBuilder().controlScale(1.5).build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SparkDatasetJob.run("local[2]",
                spec(dir.resolve("clean"), louder), new PrintWriter(new StringWriter())));
        assertTrue(e.getMessage().contains("control_scale 1.0 (now 1.5)"), e.getMessage());
    }

    @Test
    void aTaskThatFailsMidwayIsRetriedAndTheOutputIsUnchanged() throws IOException {
        PartitionTask.fault = new PartitionTask.Fault(1, 1, false);
        StringWriter log = new StringWriter();
        run(dir.resolve("retried"), log);
        assertTrue(log.toString().contains("partition 1 (samples 2-5): 3 written, 1 already there, "), log.toString());
        assertSameAsSingleMachine(dir.resolve("retried"), -1);
    }

    @Test
    void aFailedJobRunAgainCompletesTheSetWithoutDuplicatesOrGaps() throws IOException {
        Path out = dir.resolve("rerun");
        PartitionTask.fault = new PartitionTask.Fault(2, 1, true);
        assertThrows(Exception.class, () -> run(out, new StringWriter()));
        assertFalse(Files.exists(out.resolve("manifest.jsonl")), "no merged manifest for an incomplete set");
        assertTrue(Files.isDirectory(out.resolve(".parts")), "the finished partitions' manifests are kept");
        PartitionTask.fault = null;
        SparkDatasetJob.Report r = run(out, new StringWriter());
        assertTrue(r.resumed() >= 7 && r.written() + r.resumed() == 10, r.toString());
        assertFalse(Files.exists(out.resolve(".parts")));
        List<String> lines = Files.readAllLines(out.resolve("manifest.jsonl"));
        assertEquals(10, lines.size());
        assertEquals(10, lines.stream().map(l -> l.replaceAll(".*\"id\":\"([^\"]+)\".*", "$1")).distinct().count());
        // generation.json says this run resumed what the failed one wrote; everything else byte for byte
        assertSameAsSingleMachine(out, r.resumed());
    }
}
