package dev.udadiffusion.cli;

import dev.udadiffusion.controlnet.ControlNetHook;
import dev.udadiffusion.controlnet.ControlNetModel;
import dev.udadiffusion.controlnet.MaskPrompt;
import dev.udadiffusion.controlnet.SegmentationConditioning;
import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.diffusion.pipeline.GenerationRequest;
import dev.udadiffusion.diffusion.pipeline.StableDiffusion;
import dev.udadiffusion.diffusion.pipeline.StableDiffusionPipeline;
import dev.udadiffusion.diffusion.schedulers.Schedulers;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code udadiff generate}: text-to-image, optionally conditioned on a segmentation mask through a ControlNet. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generate an image with Stable Diffusion 1.x, optionally conditioned on a Cityscapes trainId "
                + "label map through a ControlNet (the thesis's mask-to-image generation).",
                "With --mask and no --prompt, the prompt is the list of classes present in the mask."})
final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "diffusers model folder or single-file .safetensors checkpoint")
    Path model;

    @Option(names = "--tokenizer", description = "tokenizer folder (needed with a single-file checkpoint)")
    Path tokenizer;

    @Option(names = "--unet", description = "use this U-Net instead of the model's (U-Net swap): a unet/ folder or .safetensors")
    Path unet;

    @Option(names = "--variant", description = "weight variant to prefer, e.g. fp16")
    String variant;

    @Option(names = "--prompt", description = "text prompt")
    String prompt;

    @Option(names = "--negative-prompt", defaultValue = "", description = "negative prompt (default: empty)")
    String negative;

    @Range(min = 1, max = 1000)
    @Option(names = "--steps", defaultValue = "50", description = "denoising steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Range(min = 0, max = 100)
    @Option(names = "--guidance", defaultValue = "7.5", description = "classifier-free guidance scale (default: ${DEFAULT-VALUE})")
    double guidance;

    @Range
    @Option(names = "--seed", defaultValue = "0", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Range(min = 8, max = 4096)
    @Option(names = "--height", description = "image height, multiple of 8 (default: the mask's, else 512)")
    Integer height;

    @Range(min = 8, max = 4096)
    @Option(names = "--width", description = "image width, multiple of 8 (default: the mask's, else 512)")
    Integer width;

    @Option(names = "--scheduler", description = "ddim, ddpm, pndm, euler, euler-a, dpm++, unipc or a diffusers class name (default: the model's)")
    String scheduler;

    @Option(names = "--controlnet", description = "diffusers ControlNet folder (20-channel one-hot mask conditioning)")
    Path controlnet;

    @Option(names = "--mask", description = "trainId label map PNG (0-18, 255 = ignore) for the ControlNet")
    Path mask;

    @Range(min = 0, max = 100)
    @Option(names = "--control-scale", defaultValue = "1.0", description = "ControlNet conditioning scale (default: ${DEFAULT-VALUE})")
    double controlScale;

    @Range(min = 1, max = 64)
    @Option(names = "--batch", defaultValue = "1", description = "images generated together (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = {"-o", "--out"}, defaultValue = "generated", description = "output folder for the PNGs (default: ${DEFAULT-VALUE})")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        if ((controlnet == null) != (mask == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--controlnet and --mask go together");
        }
        int[][] labels = mask == null ? null : SegmentationConditioning.readLabelMap(mask);
        int h = height != null ? height : labels != null ? labels.length : 512;
        int w = width != null ? width : labels != null ? labels[0].length : 512;
        if (labels != null && (labels.length != h || labels[0].length != w)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "the mask is " + labels[0].length + "x"
                    + labels.length + " but the image would be " + w + "x" + h);
        }
        if (h % 8 != 0 || w % 8 != 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), (h % 8 != 0 ? "--height " + h : "--width " + w)
                    + ": must be a multiple of 8 (the VAE's factor)" + (labels != null ? "; the mask is " + labels[0].length
                    + "x" + labels.length : ""));
        }
        String text = prompt != null ? prompt : labels != null ? MaskPrompt.of(labels) : null;
        if (text == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give --prompt (or --mask to derive one)");
        }
        if (batch < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--batch must be at least 1");
        }
        StableDiffusion.Options opts = StableDiffusion.Options.defaults().withTokenizer(tokenizer).withVariant(variant)
                .withUnet(unet);
        long t0 = System.nanoTime();
        try (StableDiffusion sd = StableDiffusion.load(model, opts);
                ControlNetModel cn = controlnet == null ? null : ControlNetModel.load(controlnet)) {
            o.printf("loaded %s in %.1f s%n", model, (System.nanoTime() - t0) / 1e9);
            o.printf("prompt: %s%n", text);
            StableDiffusionPipeline pipe = sd.pipeline(scheduler == null ? null : Schedulers.resolve(scheduler));
            try {
                pipe.checkSize(w, h);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--width/--height " + e.getMessage());
            }
            GenerationRequest req = GenerationRequest.of(Collections.nCopies(batch, text), seed)
                    .withNegativePrompts(Collections.nCopies(batch, negative)).withSize(h, w).withSteps(steps)
                    .withGuidance(guidance);
            ControlNetHook hook = cn == null ? null : new ControlNetHook(List.of(ControlNetHook.Control.of(cn,
                    Nd4j.concat(0, Collections.nCopies(batch, SegmentationConditioning.oneHot(labels)).toArray(new INDArray[0])),
                    controlScale)), false);
            Progress bar = new Progress(o, batch == 1 ? "image" : batch + " images", steps);
            StableDiffusionPipeline.Result r = pipe.generate(req, hook,
                    st -> bar.update(st.index() + 1, String.format("t=%.0f", st.timestep())));
            bar.finish();
            Map<String, String> params = new LinkedHashMap<>();
            params.put("prompt", text);
            params.put("negative_prompt", negative);
            params.put("parameters", String.format(Locale.ROOT, "steps=%d, guidance=%s, seed=%d, size=%dx%d, "
                    + "scheduler=%s, model=%s%s", steps, guidance, seed, w, h, scheduler == null ? sd.schedulerClass()
                    : Schedulers.resolve(scheduler), model.getFileName(), cn == null ? ""
                    : ", controlnet=" + controlnet.getFileName() + ", control_scale=" + controlScale + ", mask=" + mask.getFileName()));
            params.put("software", "udadiff");
            for (int b = 0; b < batch; b++) {
                Path f = out.resolve(String.format("image-%d-%02d.png", seed, b));
                params.put("batch_index", Integer.toString(b));
                Images.writePng(Images.fromUnitTensor(r.images().slice(b)), f, params);
                o.printf("wrote %s%n", f);
            }
            o.flush();
            return 0;
        }
    }
}
