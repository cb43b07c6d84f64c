package dev.udadiffusion.diffusion.parity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.parity.Fixture;
import dev.udadiffusion.core.parity.ParityChecker;
import dev.udadiffusion.core.parity.Tolerance;
import dev.udadiffusion.core.safetensors.TensorSource;
import dev.udadiffusion.diffusion.clip.CLIPTextConfig;
import dev.udadiffusion.diffusion.clip.CLIPTextModel;
import dev.udadiffusion.diffusion.unet.UNet2DConditionConfig;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import dev.udadiffusion.diffusion.vae.AutoencoderKL;
import dev.udadiffusion.diffusion.vae.AutoencoderKLConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Parity for single-file LDM checkpoint fixtures (config with "unet", "vae" and "text_encoder" sub-configs, one
 * weights.safetensors in original LDM naming): each component is loaded from the one file through its key table and
 * run: out.unet.noise_pred, out.vae.latent_mean, out.vae.decoded, out.text_encoder.last_hidden_state.
 */
public final class SingleFileParityChecker implements ParityChecker {

    @Override
    public String kind() {
        return "single-file";
    }

    @Override
    public boolean accepts(Fixture f) {
        JsonNode c = f.config();
        return c.path("unet").isObject() && c.path("vae").isObject() && c.path("text_encoder").isObject()
                && !c.has("call") && f.io().contains("in.unet.sample");
    }

    @Override
    public Map<String, INDArray> compute(Fixture f) {
        JsonNode c = f.config();
        Path file = f.weights();
        Map<String, INDArray> out = new LinkedHashMap<>();
        long loaded = 0;
        try (var src = TensorSource.open(file)) {
            out.put("out.num_keys", Nd4j.scalar(src.names().size()));
        }
        try (UNet2DConditionModel unet = UNet2DConditionModel.load(Configs.read(c.get("unet"), UNet2DConditionConfig.class,
                "unet"), file)) {
            loaded += unet.loadReport().loaded();
            out.put("out.unet.noise_pred", unet.predict(f.input("unet.sample"), f.input("unet.timesteps"),
                    f.input("unet.encoder_hidden_states")));
        }
        try (AutoencoderKL vae = AutoencoderKL.load(Configs.read(c.get("vae"), AutoencoderKLConfig.class, "vae"), file)) {
            loaded += vae.loadReport().loaded();
            out.put("out.vae.latent_mean", vae.encode(f.input("vae.image")).mean());
            out.put("out.vae.decoded", vae.decode(f.input("vae.z")));
        }
        try (CLIPTextModel text = CLIPTextModel.load(Configs.read(c.get("text_encoder"), CLIPTextConfig.class,
                "text_encoder"), file)) {
            loaded += text.loadReport().loaded();
            out.put("out.text_encoder.last_hidden_state", text.encode(f.input("text_encoder.input_ids").toLongMatrix(), 0));
        }
        // every key of the file must be claimed by a component or be a known non-parameter (scheduler tables, buffers)
        long expected = f.config().path("num_keys_from_script").asLong(-1);
        if (expected >= 0 && loaded != expected) {
            throw new IllegalStateException("components loaded " + loaded + " tensors, the file's converter wrote " + expected);
        }
        return out;
    }

    @Override
    public Tolerance tolerance(Fixture f, String output) {
        return output.equals("out.num_keys") ? Tolerance.EXACT : ParityChecker.super.tolerance(f, output);
    }
}
