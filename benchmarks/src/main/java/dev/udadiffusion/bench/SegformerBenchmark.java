package dev.udadiffusion.bench;

import dev.udadiffusion.segformer.SegformerConfig;
import dev.udadiffusion.segformer.SegformerModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SegFormer inference timings (random weights): MiT-B5 on 512×512 (one sliding window of the thesis's evaluation) and
 * MiT-B0 on a whole 1024×512 image; build time, per-forward time and peak RSS.
 *
 * <p>HOW TO RUN (after {@code mvn -q -B install -DskipTests}):
 * <pre>
 * OMP_NUM_THREADS=2 java -Dorg.bytedeco.javacpp.maxbytes=12G -cp benchmarks/target/benchmarks.jar \
 *      dev.udadiffusion.bench.SegformerBenchmark [--repeat 3] [b5:512x512 b0:1024x512 ...]
 * </pre>
 */
public final class SegformerBenchmark {

    private SegformerBenchmark() {
    }

    public static void main(String[] args) {
        int repeat = 3;
        java.util.List<String> cases = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--repeat")) {
                repeat = Integer.parseInt(args[++i]);
            } else {
                cases.add(args[i]);
            }
        }
        if (cases.isEmpty()) {
            cases = java.util.List.of("b5:512x512", "b0:1024x512");
        }
        for (String c : cases) {
            String[] p = c.split("[:x]");
            int w = Integer.parseInt(p[1]);
            int h = Integer.parseInt(p[2]);
            long t0 = System.nanoTime();
            try (SegformerModel m = SegformerModel.random(SegformerConfig.preset(p[0]), 1)) {
                System.out.printf("MiT-%s (%,d parameters) built in %.1f s%n", p[0].toUpperCase(java.util.Locale.ROOT),
                        m.params().count(), (System.nanoTime() - t0) / 1e9);
                INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, h, w);
                for (int i = 0; i < repeat; i++) {
                    long s = System.nanoTime();
                    m.forward(x);
                    System.out.printf("  forward %dx%d: %.3f s, peak RSS %d MB%n", w, h, (System.nanoTime() - s) / 1e9,
                            ProcessMemory.peakMb());
                }
            }
        }
    }
}
