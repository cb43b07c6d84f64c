package dev.udadiffusion.cli;

import dev.udadiffusion.controlnet.generate.LabeledDatasetGenerator;
import dev.udadiffusion.controlnet.generate.LabeledDatasetOptions;
import dev.udadiffusion.spark.GenerationJobSpec;
import dev.udadiffusion.spark.Locations;
import dev.udadiffusion.spark.SparkDatasetJob;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * {@code generate-dataset --spark}: the same generation as a Spark job (the spark module makes every Spark call).
 * Spark is not bundled with the command line (clusters bring their own): this class checks it is on the class path.
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
        SparkDatasetJob.Report r = SparkDatasetJob.run(c.spark, spec, o);
        o.printf("wrote %d samples (%d already there) to %s with %d Spark partitions; SCR refinements: %d%n", r.written(),
                r.resumed(), c.out, r.partitions(), r.refinements());
        o.println("Rare Class Sampling: times each class was drawn");
        o.print(LabeledDatasetGenerator.timesSampledTable(r.timesSampled()));
        o.printf("manifest %s, grid %s%n", r.manifest(), Path.of(c.out.toString()).resolve("samples_grid.png"));
        o.flush();
        return 0;
    }

    /** A local path as an absolute path (as the single-machine manifest records it); a URI as given. */
    private static String location(String s) {
        return Locations.isLocal(s) && !s.startsWith("file:") ? Path.of(s).toAbsolutePath().toString() : s;
    }
}
