package dev.udadiffusion.diffusion.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.parity.ParityHarness;
import dev.udadiffusion.core.parity.ParityResult;
import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.testing.TestData;
import dev.udadiffusion.core.train.AdamW;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

class TrainStepTest {

    @Test
    void unetTrainStepParity() {
        List<ParityResult> rs = ParityHarness.withRegisteredCheckers().checkFixture(TestData.reference("unet_train_step"));
        assertEquals(55, rs.size());
        rs.forEach(r -> assertEquals(ParityResult.Status.PASS, r.status(), r.line()));
    }

    /** The notes' optimizer check: AdamW on the reference parameters with the reference gradients, within 1e-7. */
    @Test
    void adamWWithReferenceGradientsMatchesTorchExactly() {
        for (String fixture : List.of("unet_train_step", "controlnet_train_step")) {
            try (SafetensorsFile io = SafetensorsFile.open(TestData.reference(fixture).resolve("io.safetensors"))) {
                Map<String, INDArray> params = new HashMap<>();
                Map<String, INDArray> grads = new HashMap<>();
                List<String> names = new ArrayList<>();
                for (String n : io.names()) {
                    if (n.startsWith("out.param_before.")) {
                        String k = n.substring("out.param_before.".length());
                        names.add(k);
                        params.put(k, io.load(n));
                        grads.put(k, io.load("out.grad." + k));
                    }
                }
                AdamW adam = new AdamW(List.of(new AdamW.Group("all", names, 1.0, 0.01)), 0.9, 0.999, 1e-8);
                adam.update(params, grads, 1e-3);
                for (String k : names) {
                    double err = Transforms.abs(params.get(k).sub(io.load("out.param_after." + k))).maxNumber().doubleValue();
                    assertTrue(err <= 1e-7, fixture + " " + k + ": " + err);
                }
                assertTrue(names.size() >= 12);
            }
        }
    }
}
