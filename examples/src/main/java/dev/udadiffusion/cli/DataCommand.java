package dev.udadiffusion.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.udadiffusion.core.image.BarChart;
import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.io.Sample;
import dev.udadiffusion.data.labels.CityscapesClasses;
import dev.udadiffusion.data.rcs.ClassStats;
import dev.udadiffusion.data.rcs.DatasetStats;
import dev.udadiffusion.data.rcs.RareClassSampler;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

/** {@code udadiff data ...}: look at datasets as they ship (GTA5, Cityscapes, generated sets). */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Inspect segmentation datasets.",
        subcommands = {DataCommand.Stats.class, DataCommand.Check.class})
final class DataCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "stats", mixinStandardHelpOptions = true,
            description = {"Pixel count and frequency per class (full-resolution labels), the Rare Class Sampling "
                    + "probabilities (T = 0.01) and a bar chart PNG. Statistics are cached next to the dataset "
                    + "(sample_class_stats.json, DAFormer's format)."})
    static final class Stats implements Callable<Integer> {
        @Parameters(paramLabel = "DIR")
        Path dir;

        @CommandLine.Mixin
        LayoutOptions layout;

        @Option(names = "--json", description = "print JSON instead of a table")
        boolean json;

        @Option(names = "--chart", description = "bar chart PNG (default: DIR/class_frequencies.png)")
        Path chart;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter o = spec.commandLine().getOut();
            Datasets.Listing l = layout.open(dir, Datasets.Policy.SKIP, false);
            List<ClassStats> stats = DatasetStats.of(l, dir);
            long[] total = new long[CityscapesClasses.COUNT];
            for (ClassStats s : stats) {
                for (int c = 0; c < total.length; c++) {
                    total[c] += s.count(c);
                }
            }
            long sum = 0;
            for (long v : total) {
                sum += v;
            }
            RareClassSampler rcs = RareClassSampler.daformer(stats);
            double[] freq = new double[total.length];
            for (int c = 0; c < total.length; c++) {
                freq[c] = sum == 0 ? 0 : (double) total[c] / sum;
            }
            if (json) {
                ObjectMapper om = new ObjectMapper();
                ObjectNode n = om.createObjectNode().put("dataset", l.name()).put("samples", l.samples().size());
                ObjectNode classes = n.putObject("classes");
                for (int c = 0; c < total.length; c++) {
                    classes.putObject(CityscapesClasses.name(c)).put("pixels", total[c]).put("frequency", freq[c])
                            .put("rcs_probability", rcs.probability(c));
                }
                o.println(n.toPrettyString());
            } else {
                o.printf("%s: %d samples (%d skipped)%n", l.name(), l.samples().size(), l.skipped().size());
                o.printf("%-14s %15s %10s %10s%n", "class", "pixels", "freq", "RCS p");
                for (int c = 0; c < total.length; c++) {
                    o.printf("%-14s %,15d %10.5f %10.5f%n", CityscapesClasses.name(c), total[c], freq[c], rcs.probability(c));
                }
            }
            Path png = chart != null ? chart : dir.resolve("class_frequencies.png");
            BarChart.write(png, "class frequencies (log scale): " + l.name(), CityscapesClasses.NAMES, freq,
                    CityscapesClasses.COLORS, true);
            if (!json) {
                o.println("chart: " + png);
            }
            o.flush();
            return 0;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Validate a dataset: images without labels, images and labels that do not decode, size "
                    + "mismatches, label maps that are not single-channel, label values outside the table. Every problem "
                    + "is listed on stdout; exit code 1 (with one summary line on stderr) if anything is wrong.")
    static final class Check implements Callable<Integer> {
        @Parameters(paramLabel = "DIR")
        Path dir;

        @CommandLine.Mixin
        LayoutOptions layout;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter o = spec.commandLine().getOut();
            Datasets.Listing l = layout.open(dir, Datasets.Policy.SKIP, true);
            List<String> problems = new ArrayList<>(l.skipped());
            for (Sample s : l.samples()) {
                try {
                    BufferedImage img = Images.read(s.image()); // decoded, not just its header: truncated files fail here
                    int[][] lab = l.readTrainIds(s);
                    if (lab.length != img.getHeight() || lab[0].length != img.getWidth()) {
                        problems.add(s.label() + ": label is " + lab[0].length + "x" + lab.length + " but its image "
                                + s.image().getFileName() + " is " + img.getWidth() + "x" + img.getHeight());
                    }
                } catch (IllegalArgumentException e) {
                    problems.add(e.getMessage());
                }
            }
            problems.forEach(o::println);
            o.printf("%s: %d samples checked, %d problems%n", l.name(), l.samples().size(), problems.size());
            o.flush();
            if (!problems.isEmpty()) {
                spec.commandLine().getErr().println("udadiff: " + dir + ": " + problems.size() + " problem"
                        + (problems.size() == 1 ? "" : "s") + "; the first: " + problems.get(0));
            }
            return problems.isEmpty() ? 0 : 1;
        }
    }
}
