package dev.udadiffusion.diffusion.schedulers;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.parity.ErrorMetrics;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * For every scheduler that forms x̂0 and every prediction type: given the exact model output for a known (x0, ε) at
 * the first timestep, the scheduler's x̂0 is x0. Checks the epsilon / v / sample formulas against each other.
 */
class PredictionTypesTest {

    static SchedulerConfig cfg(String prediction) {
        var n = new ObjectMapper().createObjectNode().put("beta_schedule", "scaled_linear").put("beta_start", 0.00085)
                .put("beta_end", 0.012).put("steps_offset", 1).put("set_alpha_to_one", false).put("prediction_type", prediction)
                .put("timestep_spacing", "trailing");
        return Configs.read(n, SchedulerConfig.class, prediction);
    }

    @Test
    void exactModelOutputsRecoverX0() {
        INDArray x0 = Nd4j.rand(DataType.FLOAT, 1, 4, 4, 4).subi(0.5f);
        INDArray eps = Nd4j.randn(DataType.FLOAT, 1, 4, 4, 4);
        for (String pred : List.of("epsilon", "v_prediction", "sample")) {
            for (String name : List.of("ddim", "ddpm", "euler", "euler-a", "dpm++2m", "unipc")) {
                Scheduler s = Schedulers.create(name, cfg(pred));
                s.setTimesteps(10);
                double t = s.timesteps()[0];
                double a = s.schedule().alphasCumprod()[(int) Math.round(t)];
                // the VP noisy sample the model sees, and the scheduler's own (possibly σ-scaled) sample
                INDArray xt = x0.mul(Math.sqrt(a)).add(eps.mul(Math.sqrt(1 - a)));
                // Euler works in σ space on x0 + σ ε = x_t / √ᾱ; the others on x_t itself
                INDArray sample = s instanceof EulerDiscreteScheduler ? xt.div(Math.sqrt(a)) : xt;
                INDArray out = switch (pred) {
                    case "epsilon" -> eps;
                    case "v_prediction" -> eps.mul(Math.sqrt(a)).sub(x0.mul(Math.sqrt(1 - a)));
                    default -> x0;
                };
                Scheduler.StepOutput r = s.step(out, t, sample, eps);
                // each of these schedulers forms x̂0 with its default config (PNDM, which does not, is not listed)
                assertNotNull(r.predOriginalSample(), name + " / " + pred + ": no x̂0");
                double err = ErrorMetrics.of(r.predOriginalSample(), x0).maxAbs();
                assertTrue(err < 1e-4, name + " / " + pred + ": x0 error " + err);
            }
        }
    }
}
