package dev.udadiffusion.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.nn.Attention;
import dev.udadiffusion.diffusion.unet.UNet2DConditionConfig;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One classifier-free-guidance step of the full-size SD1.5 U-Net (860 M parameters, random weights): batch 2
 * (unconditional + conditional), 64×64 latents, 77×768 text embeddings. Reports build time, step time, peak RSS and
 * the fraction of the FLOP floor (401.6 GMAC per sample, i.e. 1.6 TFLOP per step) achieved.
 *
 * <p>HOW TO RUN (after {@code mvn -q -B install -DskipTests}):
 * <pre>
 * OMP_NUM_THREADS=2 java -Xmx3g -Dorg.bytedeco.javacpp.maxbytes=20G -Dorg.bytedeco.javacpp.maxphysicalbytes=22G \
 *      -cp benchmarks/target/benchmarks.jar dev.udadiffusion.bench.UNetStepBenchmark [--repeat 2] [--chunk 1024]
 * </pre>
 */
public final class UNetStepBenchmark {

    static final double FLOPS_PER_STEP = 2 * 2 * 401.6e9; // 2 samples × 401.6 GMAC × 2 FLOP/MAC

    private UNetStepBenchmark() {
    }

    /** SD1.5's unet/config.json (the fields that differ from diffusers' defaults). */
    static UNet2DConditionConfig sd15() {
        var n = new ObjectMapper().createObjectNode().put("sample_size", 64).put("attention_head_dim", 8)
                .put("cross_attention_dim", 768);
        return Configs.read(n, UNet2DConditionConfig.class, "SD1.5 unet config");
    }

    public static void main(String[] args) {
        int repeat = 2;
        int chunk = Attention.DEFAULT_QUERY_CHUNK;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--repeat")) {
                repeat = Integer.parseInt(args[++i]);
            } else if (args[i].equals("--chunk")) {
                chunk = Integer.parseInt(args[++i]);
            }
        }
        long t0 = System.nanoTime();
        try (UNet2DConditionModel unet = UNet2DConditionModel.random(sd15(), 1).setAttentionQueryChunk(chunk)) {
            System.out.printf("built SD1.5 U-Net (%,d parameters) in %.1f s, RSS %d MB%n", unet.params().count(),
                    (System.nanoTime() - t0) / 1e9, ProcessMemory.rssMb());
            INDArray x = Nd4j.rand(DataType.FLOAT, 2, 4, 64, 64);
            INDArray ctx = Nd4j.rand(DataType.FLOAT, 2, 77, 768);
            INDArray t = Nd4j.createFromArray(981f, 981f);
            for (int r = 0; r < repeat; r++) {
                long s = System.nanoTime();
                INDArray out = unet.predict(x, t, ctx);
                double sec = (System.nanoTime() - s) / 1e9;
                System.out.printf("CFG step (batch 2, 64x64): %.2f s = %.1f GFLOP/s (%.0f%% of a 190 GFLOP/s floor), "
                        + "RSS %d MB, peak %d MB%n", sec, FLOPS_PER_STEP / sec / 1e9, 100 * FLOPS_PER_STEP / sec / 190e9,
                        ProcessMemory.rssMb(), ProcessMemory.peakMb());
                out.close();
            }
        }
    }
}
