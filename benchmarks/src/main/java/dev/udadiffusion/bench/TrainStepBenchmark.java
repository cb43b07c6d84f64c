package dev.udadiffusion.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.train.AdamW;
import dev.udadiffusion.core.train.LrSchedule;
import dev.udadiffusion.core.train.Trainer;
import dev.udadiffusion.core.train.TrainingGraph;
import dev.udadiffusion.diffusion.train.UNetTraining;
import dev.udadiffusion.diffusion.unet.UNet2DConditionConfig;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Time and peak RSS of U-Net training steps (forward, backward, AdamW) for a given size: "toy" (the demo zoo's 32/64/64 U-Net, 16×32 latents, batch 64 or {@code --batch N}), "tiny" (the fixtures' 32/32/32/64
 * U-Net, 16×16 latents, batch 2) or "mid" (128/256/512/512 with SD's block layout, 32×32 latents, batch 1).
 *
 * <p>HOW TO RUN (after {@code mvn -q -B install -DskipTests}):
 * <pre>
 * OMP_NUM_THREADS=2 java -Xmx3g -Dorg.bytedeco.javacpp.maxbytes=20G -Dorg.bytedeco.javacpp.maxphysicalbytes=22G \
 *      -cp benchmarks/target/benchmarks.jar dev.udadiffusion.bench.TrainStepBenchmark toy|tiny|mid [--steps 5] [--batch 64]
 * </pre>
 */
public final class TrainStepBenchmark {

    private TrainStepBenchmark() {
    }

    public static void main(String[] args) {
        String size = args.length > 0 ? args[0] : "tiny";
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        var n = new ObjectMapper().createObjectNode().put("attention_head_dim", 8);
        int lat;
        int latW;
        int batch;
        if (size.equals("toy")) {
            // the demo's zoo U-Net: 32/64/64, cross-attention at the two lower levels, 16×32 latents of 128×64 images
            n.putArray("block_out_channels").add(32).add(64).add(64);
            n.putArray("down_block_types").add("DownBlock2D").add("CrossAttnDownBlock2D").add("CrossAttnDownBlock2D");
            n.putArray("up_block_types").add("CrossAttnUpBlock2D").add("CrossAttnUpBlock2D").add("UpBlock2D");
            n.put("layers_per_block", 1).put("cross_attention_dim", 64).put("norm_num_groups", 16);
            lat = 16;
            latW = 32;
            batch = args.length > 4 ? Integer.parseInt(args[4]) : 64;
        } else if (size.equals("mid")) {
            n.putArray("block_out_channels").add(128).add(256).add(512).add(512);
            n.put("cross_attention_dim", 768).put("sample_size", 32);
            lat = 32;
            latW = 32;
            batch = 1;
        } else {
            n.putArray("block_out_channels").add(32).add(32).add(32).add(64);
            n.put("cross_attention_dim", 32).put("sample_size", 16);
            lat = 16;
            latW = 16;
            batch = 2;
        }
        UNet2DConditionConfig c = Configs.read(n, UNet2DConditionConfig.class, size);
        try (UNet2DConditionModel unet = UNet2DConditionModel.random(c, 1)) {
            System.out.printf("%s U-Net: %,d parameters, RSS %d MB%n", size, unet.params().count(), ProcessMemory.rssMb());
            TrainingGraph g = UNetTraining.graph(unet, lat, latW, k -> true);
            Trainer tr = new Trainer(g, AdamW.of(new ArrayList<>(g.trainable().keySet()), 0.01), LrSchedule.constant(), 1e-4, 1.0);
            Map<String, INDArray> feeds = Map.of(UNetTraining.NOISY, Nd4j.randn(DataType.FLOAT, batch, 4, lat, latW),
                    "timesteps", Nd4j.valueArrayOf(new long[] {batch}, 500f, DataType.FLOAT), "encoder_hidden_states",
                    Nd4j.randn(DataType.FLOAT, batch, 77, c.crossDim()), UNetTraining.TARGET,
                    Nd4j.randn(DataType.FLOAT, batch, 4, lat, latW));
            for (int i = 0; i < steps; i++) {
                long t0 = System.nanoTime();
                Trainer.StepResult r = tr.step(List.of(feeds), List.of());
                System.out.printf("step %d: %.2f s, loss %.4f, RSS %d MB, peak %d MB%n", i + 1, (System.nanoTime() - t0) / 1e9,
                        r.loss(), ProcessMemory.rssMb(), ProcessMemory.peakMb());
            }
        }
    }
}
