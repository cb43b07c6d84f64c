package dev.udadiffusion.spark;

import dev.udadiffusion.controlnet.ControlNetModel;
import dev.udadiffusion.controlnet.generate.LabeledDatasetGenerator;
import dev.udadiffusion.data.io.CityscapesWriter;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.io.SampleSink;
import dev.udadiffusion.data.rcs.ClassStats;
import dev.udadiffusion.diffusion.pipeline.StableDiffusion;
import dev.udadiffusion.diffusion.schedulers.Schedulers;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition on an executor: loads the pipeline once, then generates the partition's samples with the library's
 * generator. Samples go to the shared output with atomic renames; the task's manifest lines go to a file of its own,
 * {@code OUT/.parts/part-PPPPP-attempt-A.jsonl}, and a sample counts as done when any manifest of this partition (or the
 * merged {@code manifest.jsonl}) lists it and its files still match their fingerprint. A retried or speculative attempt
 * therefore skips what an earlier attempt finished and rewrites the rest with the same bytes.
 */
final class PartitionTask {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionTask.class);

    /** Test hook (local mode only, where executors share the driver's JVM): fail a partition after some samples. */
    record Fault(int partition, int afterSamples, boolean everyAttempt) {
    }

    static volatile Fault fault;

    private PartitionTask() {
    }

    static Path partsDir(Path out) {
        return out.resolve(".parts");
    }

    /**
     * {@code OUT/manifest.jsonl} followed by the task manifests under {@code OUT/.parts/} whose names start with
     * {@code prefix} ("" for all), in name order; the first may be missing, the folder too.
     */
    static List<Path> manifests(Path out, String prefix) {
        List<Path> files = new ArrayList<>();
        files.add(out.resolve("manifest.jsonl"));
        Path parts = partsDir(out);
        if (Files.isDirectory(parts)) {
            try (Stream<Path> s = Files.list(parts)) {
                s.filter(p -> p.getFileName().toString().startsWith(prefix) && p.toString().endsWith(".jsonl")).sorted()
                        .forEach(files::add);
            } catch (IOException e) {
                throw new UncheckedIOException(parts + ": " + e.getMessage(), e);
            }
        }
        return files;
    }

    static PartitionReport run(GenerationJobSpec spec, Map<String, String> models, List<ClassStats> stats, SampleRange r,
            int attempt, Map<String, String> hadoop) {
        long t0 = System.nanoTime();
        Configuration conf = new Configuration();
        hadoop.forEach(conf::set);
        Path out = Locations.local(spec.out(), conf);
        Path parts = partsDir(out);
        String prefix = String.format("part-%05d-", r.partition());
        List<Path> manifests = manifests(out, prefix);
        var o = spec.options();
        CityscapesWriter writer = new CityscapesWriter(out, o.split(), o.city(),
                parts.resolve(prefix + "attempt-" + attempt + ".jsonl"), manifests);
        Datasets.Listing masks = Datasets.open(Locations.local(spec.sourceLabels(), conf), Datasets.Layout.parse(spec.layout()),
                spec.split(), Datasets.Policy.ERROR, false).withUnknownToIgnore(spec.unknownToIgnore());
        LabeledDatasetGenerator.Plan plan = LabeledDatasetGenerator.Plan.of(masks, o, stats);
        StableDiffusion.Options so = StableDiffusion.Options.defaults()
                .withTokenizer(spec.tokenizer() == null ? null : Locations.local(spec.tokenizer(), conf))
                .withUnet(spec.unet() == null ? null : Locations.local(spec.unet(), conf));
        try (StableDiffusion sd = StableDiffusion.load(Locations.local(spec.model(), conf), so);
                ControlNetModel cn = ControlNetModel.load(Locations.local(spec.controlNet(), conf))) {
            SampleSink sink = faulty(writer, r.partition(), attempt);
            LabeledDatasetGenerator.RangeReport rep = LabeledDatasetGenerator.generateRange(plan,
                    sd.pipeline(Schedulers.resolve(spec.scheduler())), cn, sink, r.from(), r.to(), models,
                    (done, total, id, prompt) -> LOG.info("partition {}: {}/{} ({})", r.partition(), done, total, id), null, null);
            return new PartitionReport(r.partition(), attempt, rep.written(), rep.resumed(), rep.refinements(),
                    (System.nanoTime() - t0) / 1_000_000);
        }
    }

    private static SampleSink faulty(CityscapesWriter w, int partition, int attempt) {
        Fault f = fault;
        if (f == null || f.partition() != partition || (attempt > 0 && !f.everyAttempt())) {
            return w;
        }
        return new SampleSink() {
            int written;

            @Override
            public boolean isDone(String id) {
                return w.isDone(id);
            }

            @Override
            public void write(String id, BufferedImage image, int[][] trainIds, Map<String, String> meta) {
                if (written == f.afterSamples()) {
                    throw new IllegalStateException("injected fault: partition " + partition + ", attempt " + attempt
                            + ", after " + written + " samples");
                }
                w.write(id, image, trainIds, meta);
                written++;
            }
        };
    }
}
