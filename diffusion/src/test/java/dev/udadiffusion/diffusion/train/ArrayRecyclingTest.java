package dev.udadiffusion.diffusion.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.testing.TestData;
import dev.udadiffusion.core.train.AdamW;
import dev.udadiffusion.core.train.LrSchedule;
import dev.udadiffusion.core.train.Trainer;
import dev.udadiffusion.core.train.TrainingGraph;
import dev.udadiffusion.diffusion.unet.UNet2DConditionConfig;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The Trainer hands each step's intermediates back to SameDiff's array cache (SessionArrays). Reusing buffers must not
 * change a single bit: the tiny U-Net trained with and without recycling ends with identical weights and losses.
 */
class ArrayRecyclingTest {

    @Test
    void recyclingLeavesTrainingBitIdentical() {
        List<double[]> runs = new ArrayList<>();
        List<Map<String, INDArray>> weights = new ArrayList<>();
        for (String recycle : new String[] {"true", "false"}) {
            System.setProperty("udadiff.recycle", recycle);
            try {
                Path u = TestData.reference("unet_tiny");
                UNet2DConditionModel unet = UNet2DConditionModel.load(UNet2DConditionConfig.read(u.resolve("config.json")),
                        u.resolve("weights.safetensors"));
                TrainingGraph g = UNetTraining.graph(unet, 16, 16, k -> true);
                Trainer tr = new Trainer(g, AdamW.of(new ArrayList<>(g.trainable().keySet()), 0.01), LrSchedule.constant(),
                        1e-3, 1.0);
                double[] losses = new double[4];
                for (int s = 0; s < losses.length; s++) {
                    java.util.Random r = new java.util.Random(7); // one fixed batch
                    int c = unet.config().crossDim();
                    Map<String, INDArray> feeds = Map.of(UNetTraining.NOISY, gaussian(r, 2, 4, 16, 16),
                            UNet2DConditionModel.TIMESTEPS, Nd4j.createFromArray(100f, 700f),
                            UNet2DConditionModel.CONTEXT, gaussian(r, 2, 7, c),
                            UNetTraining.TARGET, gaussian(r, 2, 4, 16, 16));
                    // two micro-batches on the last step: the accumulation path recycles between them
                    losses[s] = tr.step(s == 3 ? List.of(feeds, feeds) : List.of(feeds), List.of()).loss();
                    if (recycle.equals("true")) {
                        assertTrue(tr.recycledBytes() > 1 << 20, "step " + (s + 1) + " recycled " + tr.recycledBytes());
                    } else {
                        assertEquals(0, tr.recycledBytes());
                    }
                }
                runs.add(losses);
                weights.add(g.parameterArrays());
            } finally {
                System.clearProperty("udadiff.recycle");
            }
        }
        for (int s = 0; s < 4; s++) {
            assertEquals(runs.get(1)[s], runs.get(0)[s], 0.0, "loss at step " + (s + 1));
        }
        assertTrue(runs.get(0)[3] < runs.get(0)[0], "the U-Net learns the fixed target");
        weights.get(1).forEach((k, w) -> assertEquals(w, weights.get(0).get(k), k));
    }

    private static INDArray gaussian(java.util.Random r, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return Nd4j.create(v, shape, 'c');
    }
}
