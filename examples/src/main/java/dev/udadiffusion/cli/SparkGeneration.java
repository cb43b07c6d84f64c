package dev.udadiffusion.cli;

import dev.udadiffusion.controlnet.generate.LabeledDatasetGenerator;
import dev.udadiffusion.controlnet.generate.LabeledDatasetOptions;
import dev.udadiffusion.spark.GenerationJobSpec;
import dev.udadiffusion.spark.Locations;
import dev.udadiffusion.spark.SparkDatasetJob;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine;

/**
 * {@code generate-dataset --spark}: the same generation as a Spark job. Spark is not bundled with the command line
 * (clusters bring their own); this class is only loaded when {@code --spark} is given, after checking Spark is there.
 */
final class SparkGeneration {

    private SparkGeneration() {
    }

    static int run(GenerateDatasetCommand c, LabeledDatasetOptions opts, PrintWriter o) {
        try {
            Class.forName("org.apache.spark.SparkConf");
        } catch (ClassNotFoundException e) {
            throw new CommandLine.ParameterException(c.spec.commandLine(), "--spark: Apache Spark is not on the class path; "
                    + "set SPARK_HOME to a Spark 4.1 installation for ./udadiff, or start the command with spark-submit "
                    + "(spark/README.md)");
        }
        String unet = c.unet == null ? null : location(c.unet);
        GenerationJobSpec spec = new GenerationJobSpec(location(c.sourceLabels), c.layout.layout,
                c.layout.split == null ? "train" : c.layout.split, c.layout.unknownToIgnore, location(c.model),
                c.tokenizer == null ? null : location(c.tokenizer), unet, location(c.controlnet), c.scheduler, opts,
                c.out.toAbsolutePath().toString(), c.partitions);
        SparkConf conf = new SparkConf().setAppName("udadiff generate-dataset");
        if (!c.spark.equals("submit")) {
            conf.setMaster(c.spark);
        } else if (!conf.contains("spark.master")) {
            throw new CommandLine.ParameterException(c.spec.commandLine(), "--spark submit: no spark.master set; start "
                    + "the command with spark-submit --master …, or name the master: --spark local[4]");
        }
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            o.println("fingerprinting the U-Net and ControlNet weights (SHA-256) for the manifest");
            o.flush();
            org.apache.hadoop.conf.Configuration hadoop = sc.hadoopConfiguration();
            Map<String, String> models = LabeledDatasetGenerator.modelRecord(Locations.local(spec.model(), hadoop),
                    unet == null ? null : Locations.local(unet, hadoop), Locations.local(spec.controlNet(), hadoop));
            // remote inputs are recorded by their URI, not by the cache path they were copied to
            if (!Locations.isLocal(spec.model())) {
                models.put("model", spec.model());
            }
            if (unet != null && !Locations.isLocal(unet)) {
                models.put("unet", unet);
            }
            if (!Locations.isLocal(spec.controlNet())) {
                models.put("controlnet", spec.controlNet());
            }
            SparkDatasetJob.Report r = SparkDatasetJob.run(sc, spec, models, o);
            o.printf("wrote %d samples (%d already there) to %s with %d Spark partitions; SCR refinements: %d%n", r.written(),
                    r.resumed(), c.out, r.partitions(), r.refinements());
            o.println("Rare Class Sampling: times each class was drawn");
            o.print(LabeledDatasetGenerator.timesSampledTable(r.timesSampled()));
            o.printf("manifest %s, grid %s%n", r.manifest(), c.out.resolve("samples_grid.png"));
            o.flush();
            return 0;
        }
    }

    /** A local path as an absolute path (as the single-machine manifest records it); a URI as given. */
    private static String location(String s) {
        return Locations.isLocal(s) && !s.startsWith("file:") ? Path.of(s).toAbsolutePath().toString() : s;
    }
}
