package dev.udadiffusion.bench.jmh;

import dev.udadiffusion.core.nn.Activations;
import dev.udadiffusion.core.nn.Attention;
import dev.udadiffusion.core.nn.Conv2d;
import dev.udadiffusion.core.nn.GEGLU;
import dev.udadiffusion.core.nn.Graphs;
import dev.udadiffusion.core.nn.GroupNorm;
import dev.udadiffusion.core.nn.Linear;
import dev.udadiffusion.core.nn.Resize;
import dev.udadiffusion.core.nn.Size2d;
import dev.udadiffusion.core.state.Params;
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
 * The kernels SD1.5 spends its time in, at SD1.5 shapes, each as the SameDiff graph our blocks build (graph building
 * and random weights in {@code @Setup}; the measured method runs the graph and returns the output so JMH consumes it).
 *
 * <p>HOW TO RUN (after {@code mvn -q -B install -DskipTests}):
 * <pre>
 * OMP_NUM_THREADS=2 java -jar benchmarks/target/benchmarks.jar KernelBenchmarks -rf json -rff kernels.json
 * java -cp benchmarks/target/benchmarks.jar dev.udadiffusion.bench.jmh.CompareResults old.json kernels.json
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgs = {"-Xmx2g", "-Dorg.bytedeco.javacpp.maxbytes=12G", "-Dorg.bytedeco.javacpp.maxphysicalbytes=16G",
    "-Dorg.slf4j.simpleLogger.defaultLogLevel=error"})
@State(Scope.Benchmark)
public class KernelBenchmarks {

    /** One graph with one placeholder "x" and one output. */
    static final class Kernel {
        final SameDiff sd;
        final String out;
        final INDArray x;

        Kernel(SameDiff sd, String out, INDArray x) {
            this.sd = sd;
            this.out = out;
            this.x = x;
        }

        private INDArray last;

        /**
         * One call; the previous call's output is closed first, as a caller that is done with a result does (ND4J
         * otherwise frees its off-heap memory only at GC, and every call would touch fresh pages).
         */
        INDArray run() {
            if (last != null) {
                last.close();
            }
            last = sd.output(Map.of("x", x), out).get(out);
            return last;
        }
    }

    @Param({"conv3x3_320_64x64", "conv3x3_1280_8x8", "self_attention_4096x8x40", "cross_attention_4096_to_77",
        "groupnorm_silu_320_64x64", "softmax_8x4096x4096", "geglu_ff_4096x320", "bilinear_128_to_512"})
    public String kernel;

    private Kernel k;

    @Setup(Level.Trial)
    public void setUp() {
        SameDiff sd = Graphs.newSameDiff();
        Params p = Params.init(sd, DataType.FLOAT, 1);
        SDVariable y;
        INDArray x;
        switch (kernel) {
            case "conv3x3_320_64x64" -> {
                x = Nd4j.rand(DataType.FLOAT, 2, 320, 64, 64);
                y = Conv2d.forward(p, "c", sd.placeHolder("x", DataType.FLOAT, 2, 320, 64, 64), 320, 320, 3, 1, 1, true);
            }
            case "conv3x3_1280_8x8" -> {
                x = Nd4j.rand(DataType.FLOAT, 2, 1280, 8, 8);
                y = Conv2d.forward(p, "c", sd.placeHolder("x", DataType.FLOAT, 2, 1280, 8, 8), 1280, 1280, 3, 1, 1, true);
            }
            case "self_attention_4096x8x40" -> {
                x = Nd4j.rand(DataType.FLOAT, 2, 4096, 320);
                SDVariable in = sd.placeHolder("x", DataType.FLOAT, 2, 4096, 320);
                y = Attention.multiHead(sd, in, in, in, 8, 40, 1 / Math.sqrt(40), 4096, 4096, Attention.DEFAULT_QUERY_CHUNK, null);
            }
            case "cross_attention_4096_to_77" -> {
                x = Nd4j.rand(DataType.FLOAT, 2, 4096, 320);
                SDVariable in = sd.placeHolder("x", DataType.FLOAT, 2, 4096, 320);
                SDVariable ctx = sd.constant(Nd4j.rand(DataType.FLOAT, 2, 77, 768));
                y = Attention.forward(p, "a", in, ctx, 320, 768, 8, 40, false, 4096, 77, Attention.DEFAULT_QUERY_CHUNK);
            }
            case "groupnorm_silu_320_64x64" -> {
                x = Nd4j.rand(DataType.FLOAT, 2, 320, 64, 64);
                y = Activations.silu(sd, GroupNorm.of(32, 320, 1e-5)
                        .forward(p, "gn", sd.placeHolder("x", DataType.FLOAT, 2, 320, 64, 64), new Size2d(64, 64)));
            }
            case "softmax_8x4096x4096" -> {
                x = Nd4j.rand(DataType.FLOAT, 1, 8, 4096, 4096);
                y = sd.nn().softmax(sd.placeHolder("x", DataType.FLOAT, 1, 8, 4096, 4096), 3);
            }
            case "geglu_ff_4096x320" -> {
                x = Nd4j.rand(DataType.FLOAT, 2, 4096, 320);
                SDVariable h = GEGLU.forward(p, "ff.net.0", sd.placeHolder("x", DataType.FLOAT, 2, 4096, 320), 3, 320, 1280,
                        new long[] {4096});
                y = Linear.forward(p, "ff.net.2", h, 3, 1280, 320, true, new long[] {4096});
            }
            case "bilinear_128_to_512" -> {
                x = Nd4j.rand(DataType.FLOAT, 2, 19, 128, 128);
                y = Resize.bilinear(sd, sd.placeHolder("x", DataType.FLOAT, 2, 19, 128, 128), 128, 128, 512, 512, false);
            }
            default -> throw new IllegalArgumentException(kernel);
        }
        sd.identity("out", y);
        k = new Kernel(sd, "out", x);
    }

    @Benchmark
    public INDArray run() {
        return k.run();
    }
}
