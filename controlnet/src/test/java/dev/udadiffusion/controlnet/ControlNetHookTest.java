package dev.udadiffusion.controlnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.testing.TestData;
import dev.udadiffusion.diffusion.pipeline.ResidualHook;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class ControlNetHookTest {

    static final Path CN = TestData.reference("controlnet_tiny");

    /**
     * diffusers' guess mode with guidance: the ControlNet runs on the conditional half only ([uncond; cond] order) and
     * the unconditional half gets zero residuals; without guess mode both halves get the control.
     */
    @Test
    void guessModeWithGuidanceControlsOnlyTheConditionalHalf() {
        try (ControlNetModel cn = ControlNetModel.load(ControlNetConfig.read(CN.resolve("config.json")),
                CN.resolve("weights.safetensors"));
                SafetensorsFile io = SafetensorsFile.open(CN.resolve("io.safetensors"))) {
            INDArray x = io.load("in.sample");
            INDArray cond = io.load("in.controlnet_cond");
            INDArray emb = io.load("in.encoder_hidden_states");
            long b = x.size(0);
            double t = io.load("in.timesteps").getDouble(0);
            INDArray doubled = Nd4j.concat(0, x, x);
            INDArray embs = Nd4j.concat(0, emb.mul(0.5), emb); // a different unconditional embedding
            ResidualHook.Residuals guess = new ControlNetHook(List.of(ControlNetHook.Control.of(cn, cond, 0.8)), true)
                    .residuals(doubled, t, embs, 0, 20);
            ControlNetModel.Residuals alone = cn.forward(x, Nd4j.createFromArray((float) t), emb, cond, 0.8, true);
            ResidualHook.Residuals plain = new ControlNetHook(List.of(ControlNetHook.Control.of(cn, cond, 0.8)), false)
                    .residuals(doubled, t, embs, 0, 20);
            for (int k = 0; k <= guess.down().size(); k++) {
                INDArray g = k < guess.down().size() ? guess.down().get(k) : guess.mid();
                INDArray a = k < guess.down().size() ? alone.down().get(k) : alone.mid();
                INDArray p = k < guess.down().size() ? plain.down().get(k) : plain.mid();
                assertEquals(0.0, g.get(NDArrayIndex.interval(0, b)).amaxNumber().doubleValue(), 0, "uncond half, " + k);
                assertEquals(0.0, g.get(NDArrayIndex.interval(b, 2 * b)).sub(a).amaxNumber().doubleValue(), 1e-5,
                        "cond half, " + k);
                assertTrue(p.get(NDArrayIndex.interval(0, b)).amaxNumber().doubleValue() > 0, "plain uncond half, " + k);
            }
        }
    }
}
