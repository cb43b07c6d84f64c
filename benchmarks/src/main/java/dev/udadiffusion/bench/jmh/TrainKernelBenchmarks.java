package dev.udadiffusion.bench.jmh;

import dev.udadiffusion.core.nn.Activations;
import dev.udadiffusion.core.nn.Attention;
import dev.udadiffusion.core.nn.Graphs;
import dev.udadiffusion.core.nn.GroupNorm;
import dev.udadiffusion.core.nn.LayerNorm;
import dev.udadiffusion.core.nn.Size2d;
import dev.udadiffusion.core.state.Params;
import dev.udadiffusion.core.train.AdamW;
import dev.udadiffusion.core.train.LrSchedule;
import dev.udadiffusion.core.train.Trainer;
import dev.udadiffusion.core.train.TrainingGraph;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Layers in training: one {@link Trainer} step (forward, backward through the layer, AdamW on its weights) of
 * loss = mean((layer(x) − target)²): the normalisation layers at the toy U-Net's shape and at SD1.5's, self-attention
 * with its projections at SD1.5's 32×32 level. These are the
 * kernels whose backward dominated training steps (see benchmarks/README.md, "Training steps").
 *
 * <p>HOW TO RUN (after {@code mvn -q -B install -DskipTests}):
 * <pre>
 * OMP_NUM_THREADS=2 java -jar benchmarks/target/benchmarks.jar TrainKernelBenchmarks -rf json -rff train-kernels.json
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgs = {"-Xmx2g", "-Dorg.bytedeco.javacpp.maxbytes=12G", "-Dorg.bytedeco.javacpp.maxphysicalbytes=16G",
    "-Dorg.slf4j.simpleLogger.defaultLogLevel=error"})
@State(Scope.Benchmark)
public class TrainKernelBenchmarks {

    @Param({"groupnorm_silu_32_16x32_b32", "groupnorm_silu_320_64x64", "layernorm_4096x320", "self_attention_1024x8x40"})
    public String kernel;

    private Trainer trainer;
    private Map<String, INDArray> feeds;

    @Setup(Level.Trial)
    public void setUp() {
        SameDiff sd = Graphs.newTrainingSameDiff();
        Params p = Params.init(sd, DataType.FLOAT, 1);
        long[] shape;
        SDVariable y;
        switch (kernel) {
            case "groupnorm_silu_32_16x32_b32" -> {
                shape = new long[] {32, 32, 16, 32}; // toy U-Net, first level, batch 32
                y = Activations.silu(sd, GroupNorm.of(16, 32, 1e-5)
                        .forward(p, "gn", sd.placeHolder("x", DataType.FLOAT, shape), new Size2d(16, 32)));
            }
            case "groupnorm_silu_320_64x64" -> {
                shape = new long[] {2, 320, 64, 64};
                y = Activations.silu(sd, GroupNorm.of(32, 320, 1e-5)
                        .forward(p, "gn", sd.placeHolder("x", DataType.FLOAT, shape), new Size2d(64, 64)));
            }
            case "layernorm_4096x320" -> {
                shape = new long[] {2, 4096, 320};
                y = LayerNorm.forward(p, "ln", sd.placeHolder("x", DataType.FLOAT, shape), 3, 320, 1e-5);
            }
            case "self_attention_1024x8x40" -> {
                shape = new long[] {2, 1024, 320}; // diffusers Attention with projections, SD1.5's 32×32 level
                y = Attention.forward(p, "attn1", sd.placeHolder("x", DataType.FLOAT, shape), null, 320, 320, 8, 40, false,
                        1024, 1024, Attention.DEFAULT_QUERY_CHUNK);
            }
            default -> throw new IllegalArgumentException(kernel);
        }
        SDVariable d = y.sub(sd.placeHolder("target", DataType.FLOAT, shape));
        d.mul(d).mean("loss");
        Map<String, String> train = new LinkedHashMap<>();
        p.specs().keySet().forEach(k -> train.put(k, p.varName(k)));
        TrainingGraph g = new TrainingGraph(sd, "loss", train, p);
        trainer = new Trainer(g, AdamW.of(new ArrayList<>(train.keySet()), 0.01), LrSchedule.constant(), 1e-4, 1.0);
        feeds = Map.of("x", Nd4j.randn(DataType.FLOAT, shape), "target", Nd4j.randn(DataType.FLOAT, shape));
    }

    @Benchmark
    public double step() {
        return trainer.step(List.of(feeds), List.of()).loss();
    }
}
