package dev.udadiffusion.bench;

import dev.udadiffusion.controlnet.ControlNetConfig;
import dev.udadiffusion.controlnet.ControlNetModel;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One ControlNet-guided CFG step at full size (random weights): the SD1.5 ControlNet with 20-channel one-hot mask
 * conditioning (≈361 M parameters) plus the SD1.5 U-Net, batch 2, 64×64 latents (512×512 masks).
 *
 * <p>HOW TO RUN (after {@code mvn -q -B install -DskipTests}):
 * <pre>
 * OMP_NUM_THREADS=2 java -Xmx3g -Dorg.bytedeco.javacpp.maxbytes=20G -Dorg.bytedeco.javacpp.maxphysicalbytes=22G \
 *      -cp benchmarks/target/benchmarks.jar dev.udadiffusion.bench.ControlNetStepBenchmark [--repeat 2]
 * </pre>
 */
public final class ControlNetStepBenchmark {

    private ControlNetStepBenchmark() {
    }

    public static void main(String[] args) {
        int repeat = args.length > 1 && args[0].equals("--repeat") ? Integer.parseInt(args[1]) : 2;
        long t0 = System.nanoTime();
        try (UNet2DConditionModel unet = UNet2DConditionModel.random(UNetStepBenchmark.sd15(), 1);
                ControlNetModel cn = ControlNetModel.fromUnet(unet, ControlNetConfig.fromUnet(unet.config(), 20,
                        List.of(16, 32, 96, 256)), 2)) {
            System.out.printf("built U-Net (%,d) + ControlNet (%,d parameters) in %.1f s, RSS %d MB%n", unet.params().count(),
                    cn.params().count(), (System.nanoTime() - t0) / 1e9, ProcessMemory.rssMb());
            INDArray x = Nd4j.rand(DataType.FLOAT, 2, 4, 64, 64);
            INDArray ctx = Nd4j.rand(DataType.FLOAT, 2, 77, 768);
            INDArray t = Nd4j.createFromArray(981f, 981f);
            INDArray cond = Nd4j.zeros(DataType.FLOAT, 2, 20, 512, 512);
            cond.get(NDArrayIndex.all(), NDArrayIndex.point(0)).assign(1);
            for (int r = 0; r < repeat; r++) {
                long s = System.nanoTime();
                ControlNetModel.Residuals res = cn.forward(x, t, ctx, cond, 1.0, false);
                double cnSec = (System.nanoTime() - s) / 1e9;
                INDArray out = unet.predict(x, t, ctx, res.down(), res.mid());
                double all = (System.nanoTime() - s) / 1e9;
                System.out.printf("ControlNet %.2f s + U-Net %.2f s = %.2f s per CFG step, RSS %d MB, peak %d MB%n", cnSec,
                        all - cnSec, all, ProcessMemory.rssMb(), ProcessMemory.peakMb());
                out.close();
            }
        }
    }
}
