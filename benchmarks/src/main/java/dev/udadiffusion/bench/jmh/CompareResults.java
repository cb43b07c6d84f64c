package dev.udadiffusion.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Compares two JMH JSON result files (a regression run): for every benchmark (with its parameters) present in both,
 * prints old and new score and the ratio new/old; ratios above {@code --fail-above} (default none) make the exit code 1.
 *
 * <p>HOW TO RUN: {@code java -cp benchmarks/target/benchmarks.jar dev.udadiffusion.bench.jmh.CompareResults OLD.json NEW.json [--fail-above 1.2]}
 */
public final class CompareResults {

    private CompareResults() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: CompareResults OLD.json NEW.json [--fail-above RATIO]");
            System.exit(2);
        }
        double failAbove = args.length > 3 && args[2].equals("--fail-above") ? Double.parseDouble(args[3]) : Double.POSITIVE_INFINITY;
        Map<String, double[]> old = read(new File(args[0]));
        Map<String, double[]> now = read(new File(args[1]));
        boolean regressed = false;
        System.out.printf("%-70s %12s %12s %8s%n", "benchmark", "old", "new", "ratio");
        for (Map.Entry<String, double[]> e : now.entrySet()) {
            double[] o = old.get(e.getKey());
            if (o == null) {
                System.out.printf("%-70s %12s %12.3f %8s%n", e.getKey(), "-", e.getValue()[0], "new");
                continue;
            }
            double ratio = e.getValue()[0] / o[0];
            regressed |= ratio > failAbove;
            System.out.printf("%-70s %12.3f %12.3f %8.3f%s%n", e.getKey(), o[0], e.getValue()[0], ratio,
                    ratio > failAbove ? "  REGRESSION" : "");
        }
        System.exit(regressed ? 1 : 0);
    }

    /** benchmark name + params → [score, error]. */
    static Map<String, double[]> read(File f) throws IOException {
        Map<String, double[]> m = new LinkedHashMap<>();
        JsonNode arr = new ObjectMapper().readTree(f);
        for (JsonNode b : arr) {
            StringBuilder key = new StringBuilder(b.path("benchmark").asText().replaceFirst(".*\\.(\\w+\\.\\w+)$", "$1"));
            b.path("params").fields().forEachRemaining(p -> key.append(' ').append(p.getKey()).append('=').append(p.getValue().asText()));
            JsonNode pm = b.path("primaryMetric");
            m.put(key.toString(), new double[] {pm.path("score").asDouble(), pm.path("scoreError").asDouble()});
        }
        return m;
    }
}
