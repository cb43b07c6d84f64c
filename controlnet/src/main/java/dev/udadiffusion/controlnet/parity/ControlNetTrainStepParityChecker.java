package dev.udadiffusion.controlnet.parity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.udadiffusion.controlnet.ControlNetConfig;
import dev.udadiffusion.controlnet.ControlNetModel;
import dev.udadiffusion.controlnet.SegmentationConditioning;
import dev.udadiffusion.controlnet.train.ControlNetTraining;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.parity.ErrorMetrics;
import dev.udadiffusion.core.parity.Fixture;
import dev.udadiffusion.core.parity.ParityChecker;
import dev.udadiffusion.core.parity.Tolerance;
import dev.udadiffusion.core.parity.TrainStepRules;
import dev.udadiffusion.core.train.TrainingGraph;
import dev.udadiffusion.diffusion.parity.UNetTrainStepParityChecker;
import dev.udadiffusion.diffusion.schedulers.DDPMScheduler;
import dev.udadiffusion.diffusion.schedulers.SchedulerConfig;
import dev.udadiffusion.diffusion.unet.UNet2DConditionConfig;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Parity for ControlNet training-step fixtures (config with "controlnet", "unet", "optimizer"): the U-Net frozen, the
 * ControlNet's loss, gradients, global norm and parameters after one AdamW step over all ControlNet parameters.
 */
public final class ControlNetTrainStepParityChecker implements ParityChecker {

    @Override
    public String kind() {
        return "controlnet-train-step";
    }

    @Override
    public boolean accepts(Fixture f) {
        JsonNode c = f.config();
        return c.has("optimizer") && c.path("controlnet").isObject() && c.path("unet").isObject();
    }

    @Override
    public Map<String, INDArray> compute(Fixture f) {
        JsonNode c = f.config();
        DDPMScheduler ns = new DDPMScheduler(Configs.read(c.get("noise_scheduler"), SchedulerConfig.class, "noise_scheduler"));
        INDArray x0 = f.input("x0");
        INDArray noise = f.input("noise");
        INDArray t = f.input("timesteps");
        INDArray noisy = ns.addNoise(x0, noise, t);
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put("out.noisy_latents", noisy);
        Path unetW = f.dir().resolve(c.path("weights").path("unet").asText()).normalize();
        Path cnW = f.dir().resolve(c.path("weights").path("controlnet").asText()).normalize();
        try (UNet2DConditionModel unet = UNet2DConditionModel.load(Configs.read(c.get("unet"), UNet2DConditionConfig.class,
                "unet"), unetW);
                ControlNetModel cn = ControlNetModel.load(ControlNetConfig.of(c.get("controlnet"), "controlnet"), cnW)) {
            TrainingGraph g = ControlNetTraining.graph(cn, unet, x0.size(2), x0.size(3), ControlNetTraining.ALL, 1.0);
            Map<String, INDArray> feeds = Map.of(ControlNetTraining.NOISY, noisy, UNet2DConditionModel.TIMESTEPS,
                    t.castTo(DataType.FLOAT), UNet2DConditionModel.CONTEXT, f.input("encoder_hidden_states"),
                    ControlNetModel.COND, SegmentationConditioning.oneHot(f.input("label_map")), ControlNetTraining.TARGET, noise);
            UNetTrainStepParityChecker.step(f, g, feeds, ControlNetTraining.PRED, out);
        }
        return out;
    }

    @Override
    public Tolerance tolerance(Fixture f, String output) {
        return TrainStepRules.tolerance(output);
    }

    @Override
    public ErrorMetrics compare(Fixture f, String output, INDArray got, INDArray ref) {
        return TrainStepRules.compare(f, output, got, ref);
    }
}
