package dev.udadiffusion.controlnet.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.udadiffusion.controlnet.ControlNetConfig;
import dev.udadiffusion.controlnet.ControlNetModel;
import dev.udadiffusion.core.parity.ParityHarness;
import dev.udadiffusion.core.parity.ParityResult;
import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.testing.TestData;
import dev.udadiffusion.core.train.AdamW;
import dev.udadiffusion.core.train.LrSchedule;
import dev.udadiffusion.core.train.Trainer;
import dev.udadiffusion.core.train.TrainingGraph;
import dev.udadiffusion.diffusion.schedulers.DDPMScheduler;
import dev.udadiffusion.diffusion.unet.UNet2DConditionConfig;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class ControlNetTrainingTest {

    @Test
    void controlNetTrainStepParity() {
        List<ParityResult> rs = ParityHarness.withRegisteredCheckers().checkFixture(TestData.reference("controlnet_train_step"));
        assertEquals(40, rs.size());
        rs.forEach(r -> assertEquals(ParityResult.Status.PASS, r.status(), r.line()));
    }

    @Test
    void uNetStaysFrozenAndLightweightModeTrainsOnlyZeroConvs() {
        Path u = TestData.reference("unet_tiny");
        Path c = TestData.reference("controlnet_tiny");
        try (UNet2DConditionModel unet = UNet2DConditionModel.load(UNet2DConditionConfig.read(u.resolve("config.json")),
                u.resolve("weights.safetensors"));
                ControlNetModel cn = ControlNetModel.load(ControlNetConfig.read(c.resolve("config.json")), c.resolve("weights.safetensors"));
                SafetensorsFile io = SafetensorsFile.open(c.resolve("io.safetensors"))) {
            TrainingGraph g = ControlNetTraining.graph(cn, unet, 16, 16, ControlNetTraining.ZERO_CONVS_ONLY, 1.0);
            assertEquals(28, g.trainable().size()); // 12 down + 1 mid zero convs + conv_out, weight and bias each
            INDArray unetBefore = unet.params().array("conv_in.weight").dup();
            INDArray encoderBefore = cn.params().array("down_blocks.0.resnets.0.conv1.weight").dup();
            INDArray zeroBefore = cn.params().array("controlnet_mid_block.weight").dup();
            DDPMScheduler ns = new DDPMScheduler(dev.udadiffusion.diffusion.pipeline.Sd15.scheduler());
            INDArray x0 = io.load("in.sample");
            INDArray noise = new Rng(3).gaussian(x0.shape());
            INDArray t = org.nd4j.linalg.factory.Nd4j.createFromArray(500L, 20L);
            Map<String, INDArray> feeds = Map.of(ControlNetTraining.NOISY, ns.addNoise(x0, noise, t),
                    UNet2DConditionModel.TIMESTEPS, t.castTo(DataType.FLOAT), UNet2DConditionModel.CONTEXT,
                    io.load("in.encoder_hidden_states"), ControlNetModel.COND, io.load("in.controlnet_cond"),
                    ControlNetTraining.TARGET, noise);
            // the loss the step reports is the plain mse of the frozen U-Net's prediction (with this ControlNet's
            // residuals) against the noise, computed here through the inference graphs
            INDArray noisy = ns.addNoise(x0, noise, t);
            ControlNetModel.Residuals res = cn.forward(noisy, t, io.load("in.encoder_hidden_states"),
                    io.load("in.controlnet_cond"), 1.0, false);
            INDArray pred = unet.predict(noisy, t, io.load("in.encoder_hidden_states"), res.down(), res.mid());
            double mse = pred.sub(noise).muli(pred.sub(noise)).meanNumber().doubleValue();
            Trainer tr = new Trainer(g, AdamW.of(new ArrayList<>(g.trainable().keySet()), 0.01), LrSchedule.constant(), 1e-3, 1.0);
            Trainer.StepResult r = tr.step(List.of(feeds), List.of());
            assertEquals(mse, r.loss(), 1e-5 * mse, "training loss vs inference mse");
            assertEquals(unetBefore, unet.params().array("conv_in.weight"));
            assertEquals(encoderBefore, cn.params().array("down_blocks.0.resnets.0.conv1.weight"));
            assertNotEquals(zeroBefore, cn.params().array("controlnet_mid_block.weight"));
        }
    }

    /** §5.1's lightweight start: the trained weights kept, exactly the 28 zero-convolution arrays back at zero. */
    @Test
    void resetZeroConvolutionsZeroesOnlyThem() {
        Path c = TestData.reference("controlnet_tiny");
        try (ControlNetModel cn = ControlNetModel.load(ControlNetConfig.read(c.resolve("config.json")), c.resolve("weights.safetensors"))) {
            Map<String, INDArray> before = new java.util.HashMap<>();
            cn.params().specs().keySet().forEach(k -> before.put(k, cn.params().array(k).dup()));
            assertNotEquals(0.0, before.get("controlnet_mid_block.weight").amaxNumber().doubleValue()); // the fixture's are trained
            cn.resetZeroConvolutions();
            int zeroed = 0;
            for (String k : before.keySet()) {
                if (ControlNetModel.isZeroConvolution(k)) {
                    assertEquals(0.0, cn.params().array(k).amaxNumber().doubleValue(), 0, k);
                    zeroed++;
                } else {
                    assertEquals(before.get(k), cn.params().array(k), k);
                }
            }
            assertEquals(28, zeroed);
        }
    }
}
