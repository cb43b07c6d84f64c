package dev.udadiffusion.diffusion.parity;

import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.parity.Fixture;
import dev.udadiffusion.core.parity.ParityChecker;
import dev.udadiffusion.diffusion.unet.UNet2DConditionConfig;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Parity for {@code diffusers.UNet2DConditionModel} fixtures (inputs {@code in.sample}, {@code in.timesteps},
 * {@code in.encoder_hidden_states}). Outputs: {@code out.noise_pred}; {@code out.noise_pred_with_residuals} using
 * {@code in.down_block_additional_residuals.N} and {@code in.mid_block_additional_residual}; and
 * {@code out.noise_pred_<v>_weights} computed with another weight file: {@code f16} = this folder's
 * weights.safetensors, {@code bf16} = weights_bf16.safetensors, {@code fp32} = the weights of the fixture named by
 * {@code reference.weights_from}.
 */
public final class UNetParityChecker implements ParityChecker {

    @Override
    public String kind() {
        return "unet";
    }

    @Override
    public boolean accepts(Fixture f) {
        return f.referenceClass().filter("diffusers.UNet2DConditionModel"::equals).isPresent();
    }

    @Override
    public Map<String, INDArray> compute(Fixture f) {
        UNet2DConditionConfig cfg = Configs.read(f.config(), UNet2DConditionConfig.class, f.dir() + "/config.json");
        INDArray sample = f.input("sample");
        INDArray t = f.input("timesteps");
        INDArray ctx = f.input("encoder_hidden_states");
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String name : f.outputs()) {
            Path weights = weightsFor(f, name);
            try (UNet2DConditionModel unet = UNet2DConditionModel.load(cfg, weights)) {
                if (name.equals("out.noise_pred_with_residuals")) {
                    List<INDArray> down = new ArrayList<>();
                    for (int i = 0; f.io().contains("in.down_block_additional_residuals." + i); i++) {
                        down.add(f.input("down_block_additional_residuals." + i));
                    }
                    out.put(name, unet.predict(sample, t, ctx, down, f.input("mid_block_additional_residual")));
                } else {
                    out.put(name, unet.predict(sample, t, ctx));
                }
            }
        }
        return out;
    }

    private static Path weightsFor(Fixture f, String output) {
        if (output.endsWith("_bf16_weights")) {
            return f.dir().resolve("weights_bf16.safetensors");
        }
        if (output.endsWith("_fp32_weights")) {
            String from = f.config().path("reference").path("weights_from").asText("");
            Path p = f.dir().resolveSibling(from).resolve("weights.safetensors");
            if (from.isEmpty() || !Files.isRegularFile(p)) {
                throw new IllegalStateException(f.dir() + ": " + output + " needs reference.weights_from naming a fixture");
            }
            return p;
        }
        return f.weights("unet");
    }
}
