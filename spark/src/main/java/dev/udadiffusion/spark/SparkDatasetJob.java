package dev.udadiffusion.spark;

import dev.udadiffusion.controlnet.generate.LabeledDatasetGenerator;
import dev.udadiffusion.controlnet.generate.LabeledDatasetOptions;
import dev.udadiffusion.data.io.CityscapesWriter;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.rcs.ClassStats;
import dev.udadiffusion.data.rcs.DatasetStats;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import scala.Tuple2;

/**
 * The labeled-data generator ({@code udadiff generate-dataset}) as a Spark job. The driver checks the output folder
 * against the settings (as a single-machine run does), computes the masks' class statistics once, writes
 * {@code generation.json}, and splits the sample indices into partitions of whole batch groups. Each task loads the
 * pipeline once and generates its range ({@link PartitionTask}); every sample depends only on (seed, index), so the
 * partitioning changes nothing. The driver then merges the tasks' manifests into {@code manifest.jsonl} in index
 * order and writes the final {@code generation.json} and {@code samples_grid.png}: the folder is byte for byte what
 * one machine would have written. A failed or killed job is completed by running it again with the same arguments.
 */
public final class SparkDatasetJob {

    /** What the job did, summed over partitions. */
    public record Report(int written, int resumed, long refinements, long[] timesSampled, int partitions, Path manifest) {
    }

    private SparkDatasetJob() {
    }

    /**
     * Runs the job on a Spark context of its own: {@code master} is a master URL ({@code local[4]},
     * {@code spark://host:7077}, …) or {@code submit} for the one spark-submit set. The manifest's model entries are
     * computed here ({@link #modelRecord}).
     */
    public static Report run(String master, GenerationJobSpec spec, PrintWriter log) {
        SparkConf conf = new SparkConf().setAppName("udadiff generate-dataset");
        if (!master.equals("submit")) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            throw new IllegalArgumentException("--spark submit: no spark.master is set; start the command with "
                    + "spark-submit --master …, or name the master, e.g. local[4]");
        }
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            log.println("fingerprinting the U-Net and ControlNet weights (SHA-256) for the manifest");
            log.flush();
            return run(sc, spec, modelRecord(spec, sc.hadoopConfiguration()), log);
        }
    }

    /**
     * The manifest's model entries, as a single-machine run records them ({@link LabeledDatasetGenerator#modelRecord}),
     * except that remote inputs are named by their URI rather than the local cache path they were copied to.
     */
    public static Map<String, String> modelRecord(GenerationJobSpec spec, Configuration conf) {
        Path model = Locations.local(spec.model(), conf);
        Map<String, String> models = LabeledDatasetGenerator.modelRecord(model,
                spec.unet() == null ? null : Locations.local(spec.unet(), conf), Locations.local(spec.controlNet(), conf));
        if (!Locations.isLocal(spec.model())) {
            models.put("model", spec.model());
            if (spec.unet() == null) {
                models.put("unet", Files.isDirectory(model.resolve("unet")) ? spec.model() + "/unet" : spec.model());
            }
        }
        if (spec.unet() != null && !Locations.isLocal(spec.unet())) {
            models.put("unet", spec.unet());
        }
        if (!Locations.isLocal(spec.controlNet())) {
            models.put("controlnet", spec.controlNet());
        }
        return models;
    }

    /**
     * Runs the job on {@code sc}; progress lines (one per finished or failed task) go to {@code log}.
     *
     * @param models the manifest's model entries ({@link LabeledDatasetGenerator#modelRecord}), computed by the caller
     */
    public static Report run(JavaSparkContext sc, GenerationJobSpec spec, Map<String, String> models, PrintWriter log) {
        Configuration conf = sc.hadoopConfiguration();
        Map<String, String> hadoop = new LinkedHashMap<>();
        for (Tuple2<String, String> kv : sc.getConf().getAllWithPrefix("spark.hadoop.")) {
            hadoop.put(kv._1(), kv._2());
        }
        Path out = Locations.local(spec.out(), conf);
        var o = spec.options();
        LabeledDatasetGenerator.requireSameSettings(out, o, models);
        Datasets.Listing masks = Datasets.open(Locations.local(spec.sourceLabels(), conf), Datasets.Layout.parse(spec.layout()),
                spec.split(), Datasets.Policy.ERROR, false).withUnknownToIgnore(spec.unknownToIgnore());
        List<ClassStats> stats = o.rcs().temperature() > 0 ? DatasetStats.of(masks, out.resolve(".source-mask-stats")) : null;
        LabeledDatasetGenerator.Plan plan = LabeledDatasetGenerator.Plan.of(masks, o, stats);
        long[] times = plan.timesSampled(0, o.count());
        LabeledDatasetGenerator.recordSettings(out, o, models, times);
        // samples already there before the job: what generation.json calls resumed (a retried task's skips are not)
        Set<String> before = doneBefore(out, o);
        int wanted = spec.partitions() > 0 ? spec.partitions() : 4 * sc.defaultParallelism();
        List<SampleRange> ranges = SampleRange.split(o.count(), o.batch(), wanted);
        log.printf(Locale.ROOT, "spark: %d samples in %d partitions (batch groups of %d) on %s%n", o.count(), ranges.size(),
                o.batch(), sc.master());
        log.flush();
        AtomicInteger finished = new AtomicInteger();
        SparkListener progress = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd e) {
                if (e.taskInfo().successful()) {
                    log.printf(Locale.ROOT, "spark: partition %d done (%d/%d)%n", e.taskInfo().partitionId(),
                            finished.incrementAndGet(), ranges.size());
                } else {
                    String why = e.reason() instanceof org.apache.spark.TaskFailedReason f ? f.toErrorString().lines().findFirst().orElse("") : String.valueOf(e.reason());
                    log.printf(Locale.ROOT, "spark: partition %d, attempt %d failed (%s); Spark retries it up to "
                            + "spark.task.maxFailures%n", e.taskInfo().partitionId(), e.taskInfo().attemptNumber(), why);
                }
                log.flush();
            }
        };
        sc.sc().addSparkListener(progress);
        List<PartitionReport> reports;
        try {
            LinkedHashMap<String, String> entries = new LinkedHashMap<>(models); // serializable, order kept
            reports = sc.parallelize(ranges, ranges.size())
                    .map(r -> PartitionTask.run(spec, entries, stats, r, TaskContext.get().attemptNumber(), hadoop))
                    .collect();
        } finally {
            sc.sc().removeSparkListener(progress);
        }
        for (PartitionReport r : reports) {
            log.printf(Locale.ROOT, "spark: partition %d (samples %d-%d): %d written, %d already there, %.1f s (attempt %d)%n",
                    r.partition(), ranges.get(r.partition()).from(), ranges.get(r.partition()).to() - 1, r.written(),
                    r.resumed(), r.millis() / 1000.0, r.attempt());
        }
        log.flush();
        ManifestMerge.merge(out, o.count());
        // counted from the manifest, not from the tasks: a failed attempt's samples are in the set but not in a report
        long refinements = 0;
        for (var e : CityscapesWriter.readManifest(out.resolve("manifest.jsonl")).entrySet()) {
            if (!before.contains(e.getKey()) && e.getKey().compareTo(CityscapesWriter.id(o.count())) < 0) {
                refinements += e.getValue().path("scr_refined").asLong(0);
            }
        }
        int written = o.count() - before.size();
        LabeledDatasetGenerator.finish(out, o, models, times, before.size(), written, refinements);
        return new Report(written, before.size(), refinements, times, ranges.size(), out.resolve("manifest.jsonl"));
    }

    /** The ids of samples 0 … count−1 listed by the manifest or a task manifest with intact files. */
    static Set<String> doneBefore(Path out, LabeledDatasetOptions o) {
        var w = new CityscapesWriter(out, o.split(), o.city(), out.resolve("manifest.jsonl"), PartitionTask.manifests(out, ""));
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < o.count(); i++) {
            String id = CityscapesWriter.id(i);
            if (w.isDone(id)) {
                ids.add(id);
            }
        }
        return ids;
    }
}
