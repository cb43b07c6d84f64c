package dev.udadiffusion.diffusion.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.state.PretrainedFolder;
import dev.udadiffusion.diffusion.clip.CLIPTextConfig;
import dev.udadiffusion.diffusion.clip.CLIPTextModel;
import dev.udadiffusion.diffusion.clip.CLIPTokenizer;
import dev.udadiffusion.diffusion.clip.PromptEncoder;
import dev.udadiffusion.diffusion.schedulers.Scheduler;
import dev.udadiffusion.diffusion.schedulers.SchedulerConfig;
import dev.udadiffusion.diffusion.schedulers.Schedulers;
import dev.udadiffusion.diffusion.unet.UNet2DConditionConfig;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import dev.udadiffusion.diffusion.vae.AutoencoderKL;
import dev.udadiffusion.diffusion.vae.AutoencoderKLConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Stable Diffusion 1.x model as users have it: a diffusers folder ({@code model_index.json}, {@code unet/},
 * {@code vae/}, {@code text_encoder/}, {@code tokenizer/}, {@code scheduler/}; optional {@code *.fp16.safetensors}
 * variants; sharded weights) or one single-file LDM checkpoint ({@code v1-5-pruned-emaonly.safetensors}), which
 * carries no configs or tokenizer: SD1.5's configs are used unless overridden, and the tokenizer folder must be given.
 * Pickle files (.ckpt, .bin, .pt) are refused.
 */
public final class StableDiffusion implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StableDiffusion.class);

    private final CLIPTokenizer tokenizer;
    private final CLIPTextModel textModel;
    private final UNet2DConditionModel unet;
    private final AutoencoderKL vae;
    private final String schedulerClass;
    private final SchedulerConfig schedulerConfig;

    /** Loading options; every field may be null for its default. */
    public record Options(String variant, Path tokenizer, UNet2DConditionConfig unetConfig, AutoencoderKLConfig vaeConfig,
            CLIPTextConfig textConfig, Path unetOverride) {
        public static Options defaults() {
            return new Options(null, null, null, null, null, null);
        }

        public Options withTokenizer(Path t) {
            return new Options(variant, t, unetConfig, vaeConfig, textConfig, unetOverride);
        }

        public Options withVariant(String v) {
            return new Options(v, tokenizer, unetConfig, vaeConfig, textConfig, unetOverride);
        }

        /** Use another U-Net (a diffusers unet/ folder or safetensors file) in place of the model's own (U-Net swap). */
        public Options withUnet(Path u) {
            return new Options(variant, tokenizer, unetConfig, vaeConfig, textConfig, u);
        }

        public Options withConfigs(UNet2DConditionConfig u, AutoencoderKLConfig v, CLIPTextConfig t) {
            return new Options(variant, tokenizer, u, v, t, unetOverride);
        }
    }

    private StableDiffusion(CLIPTokenizer tokenizer, CLIPTextModel textModel, UNet2DConditionModel unet, AutoencoderKL vae,
            String schedulerClass, SchedulerConfig schedulerConfig) {
        this.tokenizer = tokenizer;
        this.textModel = textModel;
        this.unet = unet;
        this.vae = vae;
        this.schedulerClass = schedulerClass;
        this.schedulerConfig = schedulerConfig;
    }

    public static StableDiffusion load(Path path) {
        return load(path, Options.defaults());
    }

    public static StableDiffusion load(Path path, Options o) {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException(path + ": no such file or folder");
        }
        if (Files.isDirectory(path)) {
            return loadFolder(path, o);
        }
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        refusePickle(path, name);
        if (!name.endsWith(".safetensors")) {
            throw new IllegalArgumentException(path + ": expected a diffusers folder or a .safetensors checkpoint");
        }
        return loadSingleFile(path, o);
    }

    static void refusePickle(Path path, String name) {
        for (String ext : List.of(".ckpt", ".bin", ".pt", ".pth", ".pkl")) {
            if (name.endsWith(ext)) {
                throw new IllegalArgumentException(path + ": pickle checkpoints can run arbitrary code and are not loaded; "
                        + "convert it to safetensors (e.g. diffusers' convert scripts or safetensors' convert.py)");
            }
        }
    }

    private static StableDiffusion loadFolder(Path dir, Options o) {
        Path index = dir.resolve("model_index.json");
        if (!Files.isRegularFile(index)) {
            throw new IllegalArgumentException(dir + ": not a diffusers model folder (no model_index.json)");
        }
        JsonNode mi = readJson(index);
        expectClass(index, mi, "unet", "UNet2DConditionModel");
        expectClass(index, mi, "vae", "AutoencoderKL");
        expectClass(index, mi, "text_encoder", "CLIPTextModel");
        expectClass(index, mi, "tokenizer", "CLIPTokenizer", "CLIPTokenizerFast");
        Path unetDir = dir.resolve("unet");
        UNet2DConditionModel unet = null;
        CLIPTextModel text = null;
        AutoencoderKL vae = null;
        try {
            LOG.info("loading {}", dir);
            Path textDir = component(dir, "text_encoder");
            text = CLIPTextModel.load(CLIPTextConfig.read(PretrainedFolder.config(textDir)),
                    PretrainedFolder.weights(textDir, PretrainedFolder.TRANSFORMERS, o.variant(), false));
            Path vaeDir = component(dir, "vae");
            vae = AutoencoderKL.load(AutoencoderKLConfig.read(PretrainedFolder.config(vaeDir)),
                    PretrainedFolder.weights(vaeDir, PretrainedFolder.DIFFUSERS, o.variant(), false));
            unet = o.unetOverride() != null ? loadUnet(o.unetOverride(), o)
                    : UNet2DConditionModel.load(UNet2DConditionConfig.read(PretrainedFolder.config(component(dir, "unet"))),
                            PretrainedFolder.weights(unetDir, PretrainedFolder.DIFFUSERS, o.variant(), false));
            CLIPTokenizer tok = CLIPTokenizer.load(o.tokenizer() != null ? o.tokenizer() : component(dir, "tokenizer"));
            Path schedFile = component(dir, "scheduler").resolve("scheduler_config.json");
            JsonNode sj = readJson(schedFile);
            return new StableDiffusion(tok, text, unet, vae, sj.path("_class_name").asText("PNDMScheduler"),
                    Configs.read(sj, SchedulerConfig.class, schedFile.toString()));
        } catch (RuntimeException e) {
            closeAll(text, unet, vae);
            throw e;
        }
    }

    /** A U-Net from a diffusers unet/ folder or a single safetensors file (config from the options or SD1.5). */
    static UNet2DConditionModel loadUnet(Path p, Options o) {
        if (Files.isDirectory(p)) {
            return UNet2DConditionModel.load(p);
        }
        refusePickle(p, p.getFileName().toString().toLowerCase(Locale.ROOT));
        return UNet2DConditionModel.load(o.unetConfig() != null ? o.unetConfig() : Sd15.unet(), p);
    }

    private static StableDiffusion loadSingleFile(Path file, Options o) {
        if (o.tokenizer() == null) {
            throw new IllegalArgumentException(file + ": a single-file checkpoint has no tokenizer; give the folder of "
                    + "an SD1.x tokenizer (vocab.json, merges.txt), e.g. a diffusers model's tokenizer/");
        }
        UNet2DConditionModel unet = null;
        CLIPTextModel text = null;
        AutoencoderKL vae = null;
        try {
            text = CLIPTextModel.load(o.textConfig() != null ? o.textConfig() : CLIPTextConfig.vitL14(), file);
            vae = AutoencoderKL.load(o.vaeConfig() != null ? o.vaeConfig() : Sd15.vae(), file);
            unet = o.unetOverride() != null ? loadUnet(o.unetOverride(), o)
                    : UNet2DConditionModel.load(o.unetConfig() != null ? o.unetConfig() : Sd15.unet(), file);
            return new StableDiffusion(CLIPTokenizer.load(o.tokenizer()), text, unet, vae, "PNDMScheduler", Sd15.scheduler());
        } catch (RuntimeException e) {
            closeAll(text, unet, vae);
            throw e;
        }
    }

    private static void closeAll(AutoCloseable... xs) {
        for (AutoCloseable x : xs) {
            if (x != null) {
                try {
                    x.close();
                } catch (Exception ignored) {
                    // already failing
                }
            }
        }
    }

    private static Path component(Path dir, String name) {
        Path p = dir.resolve(name);
        if (!Files.isDirectory(p)) {
            throw new IllegalArgumentException(dir + ": component folder '" + name + "' is missing");
        }
        return p;
    }

    private static void expectClass(Path index, JsonNode mi, String component, String... classes) {
        JsonNode e = mi.get(component);
        if (e == null || !e.isArray() || e.size() < 2) {
            throw new IllegalArgumentException(index + ": no '" + component + "' entry");
        }
        String cls = e.get(1).asText();
        if (!List.of(classes).contains(cls)) {
            throw new IllegalArgumentException(index + ": " + component + " class " + cls + " is not supported ("
                    + String.join(", ", classes) + ")");
        }
    }

    private static JsonNode readJson(Path p) {
        return Configs.readTree(p);
    }

    public CLIPTokenizer tokenizer() {
        return tokenizer;
    }

    public CLIPTextModel textModel() {
        return textModel;
    }

    public UNet2DConditionModel unet() {
        return unet;
    }

    public AutoencoderKL vae() {
        return vae;
    }

    /** The model's scheduler config (also the noise schedule for training). */
    public SchedulerConfig schedulerConfig() {
        return schedulerConfig;
    }

    public String schedulerClass() {
        return schedulerClass;
    }

    /** Fresh schedulers of the model's class (or {@code className} when not null) and config. */
    public Supplier<Scheduler> schedulers(String className) {
        String cls = className != null ? className : schedulerClass;
        Schedulers.create(cls, schedulerConfig); // validate now
        return () -> Schedulers.create(cls, schedulerConfig);
    }

    /** The text-to-image pipeline over these components. */
    public StableDiffusionPipeline pipeline(String schedulerClassName) {
        return new StableDiffusionPipeline(new PromptEncoder(tokenizer, textModel), unet, vae, schedulers(schedulerClassName));
    }

    @Override
    public void close() {
        closeAll(textModel, unet, vae);
    }
}
