package dev.udadiffusion.diffusion.parity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.parity.ErrorMetrics;
import dev.udadiffusion.core.parity.Fixture;
import dev.udadiffusion.core.parity.ParityChecker;
import dev.udadiffusion.core.parity.Tolerance;
import dev.udadiffusion.core.parity.TrainStepRules;
import dev.udadiffusion.core.train.AdamW;
import dev.udadiffusion.core.train.LrSchedule;
import dev.udadiffusion.core.train.Trainer;
import dev.udadiffusion.core.train.TrainingGraph;
import dev.udadiffusion.diffusion.schedulers.DDPMScheduler;
import dev.udadiffusion.diffusion.schedulers.SchedulerConfig;
import dev.udadiffusion.diffusion.train.UNetTraining;
import dev.udadiffusion.diffusion.unet.UNet2DConditionConfig;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Parity for U-Net training-step fixtures (config with "unet", "noise_scheduler", "optimizer", no "controlnet"):
 * noisy latents by DDPM add_noise, prediction, MSE loss, gradients, their global norm, and the parameters after one
 * AdamW step over all parameters.
 */
public final class UNetTrainStepParityChecker implements ParityChecker {

    @Override
    public String kind() {
        return "unet-train-step";
    }

    @Override
    public boolean accepts(Fixture f) {
        JsonNode c = f.config();
        return c.has("optimizer") && c.has("noise_scheduler") && c.path("unet").isObject() && !c.has("controlnet");
    }

    @Override
    public Map<String, INDArray> compute(Fixture f) {
        JsonNode c = f.config();
        UNet2DConditionConfig uc = Configs.read(c.get("unet"), UNet2DConditionConfig.class, "unet");
        DDPMScheduler noiseScheduler = new DDPMScheduler(Configs.read(c.get("noise_scheduler"), SchedulerConfig.class,
                "noise_scheduler"));
        Map<String, INDArray> out = new LinkedHashMap<>();
        INDArray x0 = f.input("x0");
        INDArray noise = f.input("noise");
        INDArray t = f.input("timesteps");
        INDArray noisy = noiseScheduler.addNoise(x0, noise, t);
        out.put("out.noisy_latents", noisy);
        try (UNet2DConditionModel unet = UNet2DConditionModel.load(uc, unetWeights(f))) {
            TrainingGraph g = UNetTraining.graph(unet, x0.size(2), x0.size(3), k -> true);
            Map<String, INDArray> feeds = Map.of(UNetTraining.NOISY, noisy, UNet2DConditionModel.TIMESTEPS,
                    t.castTo(DataType.FLOAT), UNet2DConditionModel.CONTEXT,
                    f.input("encoder_hidden_states"), UNetTraining.TARGET, noise);
            step(f, g, feeds, UNetTraining.PRED, out);
        }
        return out;
    }

    /**
     * Forward + backward + one AdamW step (one group, the fixture's "optimizer" settings); writes loss, noise_pred,
     * grads, norm and parameters before/after. Shared with the ControlNet train-step checker.
     */
    public static void step(Fixture f, TrainingGraph g, Map<String, INDArray> feeds, String predName, Map<String, INDArray> out) {
        JsonNode opt = f.config().get("optimizer");
        List<String> names = new ArrayList<>(g.trainable().keySet());
        AdamW adam = new AdamW(List.of(new AdamW.Group("all", names, 1.0, opt.path("weight_decay").asDouble(0.01))),
                opt.path("betas").get(0).asDouble(0.9), opt.path("betas").get(1).asDouble(0.999), opt.path("eps").asDouble(1e-8));
        Trainer trainer = new Trainer(g, adam, LrSchedule.constant(), opt.path("lr").asDouble(1e-3), 0);
        Map<String, INDArray> outs = new LinkedHashMap<>();
        Map<String, INDArray> grads = trainer.gradients(feeds, List.of(predName), outs);
        out.put("out.loss", outs.get(g.loss()));
        out.put("out.noise_pred", outs.get(predName));
        TrainStepRules.recordStep(f, g, adam, grads, opt.path("lr").asDouble(1e-3), false, out);
    }

    static Path unetWeights(Fixture f) {
        String rel = f.config().path("weights").path("unet").asText("");
        Path p = f.dir().resolve(rel).normalize();
        if (rel.isEmpty() || !Files.isRegularFile(p)) {
            throw new IllegalStateException(f.dir() + ": weights.unet must name the U-Net weights");
        }
        return p;
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
