package dev.udadiffusion.bench;

import dev.udadiffusion.core.train.AdamW;
import dev.udadiffusion.core.train.LrSchedule;
import dev.udadiffusion.core.train.Trainer;
import dev.udadiffusion.core.train.TrainingGraph;
import dev.udadiffusion.segformer.SegformerConfig;
import dev.udadiffusion.segformer.SegformerModel;
import dev.udadiffusion.segformer.SegformerTargets;
import dev.udadiffusion.segformer.train.SegformerTrainingGraph;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SegFormer timings (random weights): MiT-B5 on 512×512 (one sliding window of the thesis's evaluation) and MiT-B0 on
 * a whole 1024×512 image; build time, per-forward time and peak RSS. {@code train:b0:512x2} times training steps
 * (crop 512, batch 2: DAFormer's setting) with random images and labels.
 *
 * <p>HOW TO RUN (after {@code mvn -q -B install -DskipTests}):
 * <pre>
 * OMP_NUM_THREADS=2 java -Dorg.bytedeco.javacpp.maxbytes=12G -cp benchmarks/target/benchmarks.jar \
 *      dev.udadiffusion.bench.SegformerBenchmark [--repeat 3] [b5:512x512 b0:1024x512 train:b0:512x2 ...]
 * </pre>
 */
public final class SegformerBenchmark {

    private SegformerBenchmark() {
    }

    public static void main(String[] args) {
        int repeat = 3;
        List<String> cases = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--repeat")) {
                repeat = Integer.parseInt(args[++i]);
            } else {
                cases.add(args[i]);
            }
        }
        if (cases.isEmpty()) {
            cases = List.of("b5:512x512", "b0:1024x512");
        }
        for (String c : cases) {
            if (c.startsWith("train:")) {
                train(c.substring(6).split("[:x]"), repeat);
                continue;
            }
            String[] p = c.split("[:x]");
            int w = Integer.parseInt(p[1]);
            int h = Integer.parseInt(p[2]);
            long t0 = System.nanoTime();
            try (SegformerModel m = SegformerModel.random(SegformerConfig.preset(p[0]), 1)) {
                System.out.printf("MiT-%s (%,d parameters) built in %.1f s%n", p[0].toUpperCase(Locale.ROOT),
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

    private static void train(String[] p, int repeat) {
        int crop = Integer.parseInt(p[1]);
        int batch = Integer.parseInt(p[2]);
        long t0 = System.nanoTime();
        try (SegformerModel m = SegformerModel.random(SegformerConfig.preset(p[0]), 1)) {
            TrainingGraph g = SegformerTrainingGraph.of(m, crop, crop);
            Trainer tr = new Trainer(g,
                    AdamW.of(new ArrayList<>(g.trainable().keySet()), 0.01),
                    LrSchedule.constant(), 6e-5, 0);
            System.out.printf("MiT-%s training graph (crop %d, batch %d) built in %.1f s%n",
                    p[0].toUpperCase(Locale.ROOT), crop, batch, (System.nanoTime() - t0) / 1e9);
            INDArray labels = Nd4j.rand(DataType.FLOAT, batch, crop, crop).muli(19).castTo(DataType.LONG);
            SegformerTargets.Target t = SegformerTargets.oneHot(labels,
                    m.config().numLabels(), 255);
            Map<String, INDArray> feeds = Map.of(SegformerModel.PIXELS,
                    Nd4j.rand(DataType.FLOAT, batch, 3, crop, crop), SegformerTrainingGraph.TARGET, t.oneHot(), SegformerTrainingGraph.N_VALID,
                    Nd4j.scalar(DataType.FLOAT, (float) t.valid()));
            for (int i = 0; i < repeat; i++) {
                long s = System.nanoTime();
                double loss = tr.step(List.of(feeds), List.of()).loss();
                System.out.printf("  train step: %.3f s (loss %.3f), peak RSS %d MB%n", (System.nanoTime() - s) / 1e9, loss,
                        ProcessMemory.peakMb());
            }
        }
    }
}
