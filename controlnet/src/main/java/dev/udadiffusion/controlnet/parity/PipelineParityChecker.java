package dev.udadiffusion.controlnet.parity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.udadiffusion.controlnet.ControlNetConfig;
import dev.udadiffusion.controlnet.ControlNetHook;
import dev.udadiffusion.controlnet.ControlNetModel;
import dev.udadiffusion.controlnet.SegmentationConditioning;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.parity.Fixture;
import dev.udadiffusion.core.parity.ParityChecker;
import dev.udadiffusion.core.parity.Tolerance;
import dev.udadiffusion.diffusion.clip.CLIPTextConfig;
import dev.udadiffusion.diffusion.clip.CLIPTextModel;
import dev.udadiffusion.diffusion.clip.CLIPTokenizer;
import dev.udadiffusion.diffusion.clip.PromptEncoder;
import dev.udadiffusion.diffusion.pipeline.GenerationRequest;
import dev.udadiffusion.diffusion.pipeline.ResidualHook;
import dev.udadiffusion.diffusion.pipeline.StableDiffusionPipeline;
import dev.udadiffusion.diffusion.schedulers.DDIMScheduler;
import dev.udadiffusion.diffusion.schedulers.SchedulerConfig;
import dev.udadiffusion.diffusion.unet.UNet2DConditionConfig;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import dev.udadiffusion.diffusion.vae.AutoencoderKL;
import dev.udadiffusion.diffusion.vae.AutoencoderKLConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Parity for text-to-image and image-to-image (call.strength) pipeline fixtures (config with {@code call}, component {@code weights}, a DDIM
 * {@code scheduler} config and a {@code tokenizer} folder): prompt strings through our tokenizer and text encoder,
 * the latents of {@code in.latents}, the explicit CFG loop; outputs per variant ({@code sd}, and {@code controlnet}
 * with one_hot(in.label_map)): step_latents, noise_pred_uncond/_text, noise_pred, vae_decoded, image (NHWC).
 */
public final class PipelineParityChecker implements ParityChecker {

    @Override
    public String kind() {
        return "pipeline";
    }

    @Override
    public boolean accepts(Fixture f) {
        JsonNode c = f.config();
        return c.has("call") && c.path("weights").has("unet");
    }

    @Override
    public Map<String, INDArray> compute(Fixture f) {
        JsonNode c = f.config();
        JsonNode call = c.get("call");
        Path tokDir = f.dir().resolve(c.path("tokenizer").asText("../clip_tokenizer").split(" ")[0]).normalize();
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (CLIPTextModel text = CLIPTextModel.load(Configs.read(c.get("text_encoder"), CLIPTextConfig.class, "text_encoder"),
                f.weights("text_encoder"));
                UNet2DConditionModel unet = UNet2DConditionModel.load(Configs.read(c.get("unet"), UNet2DConditionConfig.class,
                        "unet"), f.weights("unet"));
                AutoencoderKL vae = AutoencoderKL.load(Configs.read(c.get("vae"), AutoencoderKLConfig.class, "vae"),
                        f.weights("vae"))) {
            SchedulerConfig sc = Configs.read(c.get("scheduler"), SchedulerConfig.class, "scheduler");
            double eta = call.path("eta").asDouble(0);
            StableDiffusionPipeline pipe = new StableDiffusionPipeline(new PromptEncoder(CLIPTokenizer.load(tokDir), text),
                    unet, vae, () -> new DDIMScheduler(sc, eta));
            boolean i2i = call.has("strength");
            GenerationRequest req = GenerationRequest.of(call.get("prompt").asText(), 0)
                    .withNegativePrompts(List.of(call.path("negative_prompt").asText("")))
                    .withSize(call.get("height").asInt(), call.get("width").asInt())
                    .withSteps(call.get("num_inference_steps").asInt()).withGuidance(call.get("guidance_scale").asDouble())
                    .withLatents(i2i ? null : f.input("latents"));
            DDIMScheduler probe = new DDIMScheduler(sc, eta);
            probe.setTimesteps(req.steps());
            INDArray full = Nd4j.createFromArray(probe.timesteps()).castTo(DataType.LONG);
            if (i2i) {
                // replay the fixture's two random draws: posterior sample, then forward noise
                INDArray image = f.input("image");
                req = req.withImg2Img(new GenerationRequest.Img2Img(image, call.get("strength").asDouble(),
                        f.input("posterior_eps"), f.input("noise")));
                out.put("out.timesteps_full", full);
                AutoencoderKL.Posterior post = vae.encode(image.mul(2).subi(1));
                out.put("out.posterior_mean", post.mean());
                out.put("out.posterior_std", post.std());
            } else {
                out.put("out.timesteps", full);
            }
            StableDiffusionPipeline.Result sdResult = run(pipe, req, null, "sd", out);
            if (i2i) {
                out.put("out.timesteps", Nd4j.createFromArray(sdResult.timesteps()).castTo(DataType.LONG));
                out.put("out.init_latents", sdResult.initLatents());
                out.put("out.noised_latents", sdResult.startLatents());
            }
            if (f.outputs().stream().anyMatch(o -> o.startsWith("out.controlnet.")) && c.has("controlnet")) {
                try (ControlNetModel cn = ControlNetModel.load(ControlNetConfig.of(c.get("controlnet"), "controlnet"),
                        f.weights("controlnet"))) {
                    INDArray cond = f.io().contains("in.control_image") ? f.input("control_image")
                            : SegmentationConditioning.oneHot(f.input("label_map"));
                    ControlNetHook hook = new ControlNetHook(List.of(new ControlNetHook.Control(cn, cond,
                            call.path("controlnet_conditioning_scale").asDouble(1.0),
                            call.path("control_guidance_start").asDouble(0.0), call.path("control_guidance_end").asDouble(1.0))),
                            call.path("guess_mode").asBoolean(false));
                    run(pipe, req, hook, "controlnet", out);
                }
            }
        }
        return out;
    }

    private static StableDiffusionPipeline.Result run(StableDiffusionPipeline pipe, GenerationRequest req, ResidualHook hook, String variant,
            Map<String, INDArray> out) {
        List<INDArray> lat = new ArrayList<>();
        List<INDArray> u = new ArrayList<>();
        List<INDArray> t = new ArrayList<>();
        List<INDArray> g = new ArrayList<>();
        StableDiffusionPipeline.Result r = pipe.generate(req, hook, s -> {
            lat.add(s.latents());
            g.add(s.noisePred());
            if (s.noisePredUncond() != null) {
                u.add(s.noisePredUncond());
                t.add(s.noisePredText());
            }
        });
        String p = "out." + variant + ".";
        out.put(p + "step_latents", Nd4j.stack(0, lat.toArray(new INDArray[0])));
        out.put(p + "noise_pred", Nd4j.stack(0, g.toArray(new INDArray[0])));
        if (!u.isEmpty()) {
            out.put(p + "noise_pred_uncond", Nd4j.stack(0, u.toArray(new INDArray[0])));
            out.put(p + "noise_pred_text", Nd4j.stack(0, t.toArray(new INDArray[0])));
        }
        out.put(p + "vae_decoded", r.decoded());
        out.put(p + "image", r.images().permute(0, 2, 3, 1).dup('c')); // NCHW -> NHWC as output_type "np"
        return r;
    }

    /** The notes: latents/decoded relL2 1e-4 and abs 1e-3; image abs 1e-3; timesteps exact. */
    @Override
    public Tolerance tolerance(Fixture f, String output) {
        if (output.endsWith("timesteps") || output.endsWith("timesteps_full")) {
            return Tolerance.EXACT;
        }
        return new Tolerance(1e-3, 1e-4);
    }
}
