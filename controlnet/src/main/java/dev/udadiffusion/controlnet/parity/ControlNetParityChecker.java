package dev.udadiffusion.controlnet.parity;

import dev.udadiffusion.controlnet.ControlNetConfig;
import dev.udadiffusion.controlnet.ControlNetModel;
import dev.udadiffusion.core.parity.Fixture;
import dev.udadiffusion.core.parity.ParityChecker;
import dev.udadiffusion.diffusion.unet.UNet2DConditionConfig;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Parity for {@code diffusers.ControlNetModel} fixtures: for every conditioning scale s named in the outputs
 * ({@code out.scale<s>.down.i}, {@code out.scale<s>.mid}) the residuals for in.sample/in.timesteps/
 * in.encoder_hidden_states/in.controlnet_cond; {@code out.controlnet_cond_embedding}; and
 * {@code out.scale<s>.unet_noise_pred_with_controlnet} with the U-Net the ControlNet was made from (the fixture named in
 * reference.constructed_with, next to this one).
 */
public final class ControlNetParityChecker implements ParityChecker {

    private static final Pattern SCALE = Pattern.compile("^out\\.scale([0-9.]+?)\\.(down\\.\\d+|mid|unet_noise_pred_with_controlnet)$");

    @Override
    public String kind() {
        return "controlnet";
    }

    @Override
    public boolean accepts(Fixture f) {
        return f.referenceClass().filter("diffusers.ControlNetModel"::equals).isPresent();
    }

    @Override
    public Map<String, INDArray> compute(Fixture f) {
        ControlNetConfig cfg = ControlNetConfig.of(f.config(), f.dir() + "/config.json");
        INDArray sample = f.input("sample");
        INDArray t = f.input("timesteps");
        INDArray ctx = f.input("encoder_hidden_states");
        INDArray cond = f.input("controlnet_cond");
        Map<String, INDArray> out = new LinkedHashMap<>();
        TreeSet<String> scales = new TreeSet<>();
        boolean unetOutputs = false;
        for (String o : f.outputs()) {
            Matcher m = SCALE.matcher(o);
            if (m.matches()) {
                scales.add(m.group(1));
                unetOutputs |= m.group(2).startsWith("unet");
            }
        }
        try (ControlNetModel cn = ControlNetModel.load(cfg, f.weights("controlnet"))) {
            out.put("out.controlnet_cond_embedding", cn.conditioningEmbedding(cond, sample.size(2), sample.size(3)));
            UNet2DConditionModel unet = unetOutputs ? loadUnet(f) : null;
            try {
                for (String s : scales) {
                    ControlNetModel.Residuals r = cn.forward(sample, t, ctx, cond, Double.parseDouble(s), false);
                    for (int i = 0; i < r.down().size(); i++) {
                        out.put("out.scale" + s + ".down." + i, r.down().get(i));
                    }
                    out.put("out.scale" + s + ".mid", r.mid());
                    if (unet != null) {
                        out.put("out.scale" + s + ".unet_noise_pred_with_controlnet", unet.predict(sample, t, ctx, r.down(), r.mid()));
                    }
                }
            } finally {
                if (unet != null) {
                    unet.close();
                }
            }
        }
        return out;
    }

    private static UNet2DConditionModel loadUnet(Fixture f) {
        Matcher m = Pattern.compile("from_unet\\((\\w+)").matcher(f.config().path("reference").path("constructed_with").asText(""));
        if (!m.find()) {
            throw new IllegalStateException(f.dir() + ": U-Net outputs need reference.constructed_with naming the U-Net fixture");
        }
        Path dir = f.dir().resolveSibling(m.group(1));
        if (!Files.isRegularFile(dir.resolve("weights.safetensors"))) {
            throw new IllegalStateException(f.dir() + ": U-Net fixture " + dir + " not found");
        }
        return UNet2DConditionModel.load(UNet2DConditionConfig.read(dir.resolve("config.json")), dir.resolve("weights.safetensors"));
    }
}
