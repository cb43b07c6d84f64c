package dev.udadiffusion.controlnet.toyzoo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.udadiffusion.controlnet.ControlNetConfig;
import dev.udadiffusion.controlnet.ControlNetModel;
import dev.udadiffusion.controlnet.SegmentationConditioning;
import dev.udadiffusion.controlnet.train.ControlNetFineTuning;
import dev.udadiffusion.controlnet.train.MaskedImageData;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.image.LossPlot;
import dev.udadiffusion.core.io.AtomicFiles;
import dev.udadiffusion.core.io.Fingerprints;
import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.core.safetensors.SafetensorsWriter;
import dev.udadiffusion.core.state.StateDict;
import dev.udadiffusion.core.train.TrainingLoop;
import dev.udadiffusion.data.toyworld.ToyWorld;
import dev.udadiffusion.diffusion.clip.CLIPTextConfig;
import dev.udadiffusion.diffusion.clip.CLIPTextModel;
import dev.udadiffusion.diffusion.clip.CLIPTokenizer;
import dev.udadiffusion.diffusion.clip.PromptEncoder;
import dev.udadiffusion.diffusion.schedulers.SchedulerConfig;
import dev.udadiffusion.diffusion.train.ImageFolderData;
import dev.udadiffusion.diffusion.train.UNetFineTuning;
import dev.udadiffusion.diffusion.train.VaeFineTuning;
import dev.udadiffusion.diffusion.unet.UNet2DConditionConfig;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import dev.udadiffusion.diffusion.vae.AutoencoderKL;
import dev.udadiffusion.diffusion.vae.AutoencoderKLConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The toy model zoo: Stable Diffusion with small configs, trained by this project's own code on the toy world — the
 * thesis's models at toy scale. Stages, one after another (each resumable; a finished stage is skipped):
 * <ol>
 * <li>{@code world}: the toy world (seeded) in {@code OUT/.work/world};</li>
 * <li>{@code base}: the real SD1.5 tokenizer (bundled), a small CLIP text tower with random weights (frozen, stored as
 * F16), SD1.5's noise schedule with SD2's v-prediction (an ε-prediction prior of this size sampled texture soup:
 * its ε errors are amplified 1/√ᾱ-fold in the early x₀ estimates; v-prediction gave coherent sky/road/tree layouts
 * after 150 steps of fine-tuning the same prior);</li>
 * <li>{@code vae}: a ×4 KL autoencoder trained on both domains' images;</li>
 * <li>{@code prior}: a U-Net trained from scratch on both domains' images;</li>
 * <li>{@code source}, {@code target}: DreamBooth-style fine-tuning of the prior on each domain's images;</li>
 * <li>{@code controlnet}: a ControlNet initialised from the source U-Net and trained on the source image–label pairs
 * with the source U-Net frozen and Rare Class Sampling (thesis §3.4–3.5).</li>
 * </ol>
 * Every text input is the empty prompt: with a random text tower, class-name prompts carry no meaning, and a prompt the
 * U-Nets never saw in training would only shift their cross-attention. The result is a diffusers folder
 * ({@code model_index.json}, {@code unet} = the prior, {@code unet_source}, {@code unet_target}, {@code controlnet})
 * with {@code zoo.json} (command, seed, commit, options, per-stage time and loss, SHA-256 of every weight file) and
 * {@code logs/} (loss curves).
 */
public final class ToyZoo {

    /** Steps, batch, learning rate and warm-up of one training stage. */
    public record Stage(long steps, int batch, double lr, long warmup) {
        public Stage {
            if (steps < 1 || batch < 1 || !(lr > 0) || warmup < 0) {
                throw new IllegalArgumentException("a stage needs positive steps, batch and lr");
            }
        }
    }

    /**
     * The U-Nets train on whole images (native size, VAE latents cached once per image and flip); the VAE and the
     * ControlNet on random square crops.
     *
     * @param vaeCrop square crop size of VAE training (the VAE is convolutional: small crops suffice)
     * @param controlNetCrop square crop size of ControlNet training (image and mask cropped together)
     * @param rcsMinPixels DAFormer's 3000 px at 512², scaled to the toy world's image area
     * @param unetEma EMA decay of the U-Net stages' weights (diffusers' EMAModel with its warm-up; the average is the
     *     stage's result; 0 = off)
     * @param snrGamma Min-SNR-γ loss weighting of the U-Net stages (diffusers' --snr_gamma; 0 = plain mse)
     */
    public record Options(long seed, int width, int height, ToyWorld.Counts counts, int vaeCrop, int controlNetCrop, Stage vae,
            double klWeight, Stage prior, Stage source, Stage target, Stage controlnet, double rcsTemperature,
            long rcsMinPixels, double unetEma, double snrGamma) {

        public Options {
            if (unetEma < 0 || unetEma >= 1) {
                throw new IllegalArgumentException("unetEma must be in [0, 1): " + unetEma);
            }
            if (snrGamma < 0) {
                throw new IllegalArgumentException("snrGamma must be ≥ 0 (0: off): " + snrGamma);
            }
        }

        /**
         * The zoo for the demo. Step counts follow the PyTorch prototype's proportions, cut to what 2 cores train in
         * about 40 minutes at this project's measured step times (42 min measured, README). The prior gets 1400 steps: at
         * 700 every later stage ended at a higher loss and the demo's generated row only tied source-only. The U-Net
         * stages use Min-SNR-γ 5 (the paper's and diffusers' value): over 5 demo seeds the generated row went from
         * level with source-only (+0.1) to ahead on 4 of 5 seeds (+1.2), and the ControlNet's loss fell (README).
         */
        public static Options standard(long seed) {
            return new Options(seed, 128, 64, ToyWorld.Counts.DEFAULT, 32, 64, new Stage(400, 16, 1e-3, 50), 1e-4,
                    new Stage(1400, 32, 5e-4, 50), new Stage(150, 32, 1e-4, 0), new Stage(150, 32, 1e-4, 0),
                    new Stage(500, 32, 2e-4, 50), 0.01, 94, 0.995, 5.0);
        }

        /** A few steps of everything on a small world: checks the whole chain in about half a minute (tests, --quick). */
        public static Options quick(long seed) {
            return new Options(seed, 64, 32, new ToyWorld.Counts(24, 24, 8), 32, 32, new Stage(3, 4, 1e-3, 0), 1e-4,
                    new Stage(3, 4, 5e-4, 0), new Stage(2, 4, 1e-4, 0), new Stage(2, 4, 1e-4, 0), new Stage(3, 4, 2e-4, 0),
                    0.01, 23, 0.9, 0);
        }

        /** The same recipe with Min-SNR-γ weighting of the U-Net stages (0 = off). */
        public Options withSnrGamma(double gamma) {
            return new Options(seed, width, height, counts, vaeCrop, controlNetCrop, vae, klWeight, prior, source, target,
                    controlnet, rcsTemperature, rcsMinPixels, unetEma, gamma);
        }
    }

    /** Progress: stage lines and a training listener per stage. */
    public interface Log {
        void line(String text);

        TrainingLoop.Listener stage(String name, long steps);
    }

    public static final String PROMPT = "";
    static final List<String> COMPONENTS = List.of("text_encoder", "vae", "unet", "unet_source", "unet_target", "controlnet");

    private ToyZoo() {
    }

    /** Trains (or finishes training) the zoo in {@code out}; returns {@code out}. */
    public static Path train(Path out, Options o, String command, Log log) {
        Path work = out.resolve(".work");
        String commit = Provenance.commit(); // the code that starts the run (the tree may change while it trains)
        Map<String, Object> stages = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        ToyWorld.Written world = new ToyWorld(o.width(), o.height(), o.seed()).write(work.resolve("world"), o.counts(),
                (d, t) -> { });
        Path w = world.root();
        log.line("toy world: " + w);
        Path sourceImages = w.resolve("source/images");
        Path targetImages = w.resolve("target/leftImg8bit/train");
        Path both = bothDomains(work.resolve("images-both"), sourceImages, targetImages);

        if (!Files.isRegularFile(out.resolve("text_encoder/model.safetensors"))) {
            writeBase(out, o.seed());
        }
        CLIPTokenizer tok = CLIPTokenizer.load(out.resolve("tokenizer"));
        SchedulerConfig sched = SchedulerConfig.read(out.resolve("scheduler/scheduler_config.json"));
        try (CLIPTextModel text = CLIPTextModel.load(out.resolve("text_encoder"))) {
            PromptEncoder prompts = new PromptEncoder(tok, text);
            int cross = text.config().hiddenSize();

            if (!done(out, "vae")) {
                long s = System.nanoTime();
                try (AutoencoderKL vae = AutoencoderKL.random(Configs.read(vaeConfig(), AutoencoderKLConfig.class, "toy vae"),
                        o.seed() + 1)) {
                    Stage st = o.vae();
                    Path run = work.resolve("vae");
                    VaeFineTuning.run(vae, new VaeFineTuning.Options(both, o.vaeCrop(), st.steps(), st.batch(), st.lr(),
                            st.warmup(), o.klWeight(), o.seed(), run, 200, 50, Files.isDirectory(run)),
                            log.stage("vae", st.steps()));
                    double factor = latentScale(vae, ImageFolderData.open(both, PROMPT), o.vaeCrop(), o.seed());
                    ObjectNode cfg = (ObjectNode) json(Configs.toJson(vae.config()));
                    cfg.put("scaling_factor", factor);
                    Path tmp = run.resolve("vae");
                    AtomicFiles.writeString(tmp.resolve("config.json"), cfg.toPrettyString());
                    publish(tmp, out.resolve("vae"));
                    log.line(String.format("vae: latent scaling factor %.4f", factor));
                }
                stages.put("vae", stageInfo(work.resolve("vae"), s, out.resolve("logs"), "vae"));
            }
            try (AutoencoderKL vae = AutoencoderKL.load(out.resolve("vae"))) {
                if (!done(out, "unet")) {
                    long s = System.nanoTime();
                    UNet2DConditionConfig uc = Configs.read(unetConfig(cross), UNet2DConditionConfig.class, "toy unet");
                    try (UNet2DConditionModel unet = UNet2DConditionModel.random(uc, o.seed() + 2)) {
                        fineTune(unet, vae, prompts, sched, both, o, o.prior(), work.resolve("prior"), log, "prior");
                        publish(work.resolve("prior/unet"), out.resolve("unet"));
                    }
                    stages.put("prior", stageInfo(work.resolve("prior"), s, out.resolve("logs"), "prior"));
                }
                for (String domain : List.of("source", "target")) {
                    if (!done(out, "unet_" + domain)) {
                        long s = System.nanoTime();
                        try (UNet2DConditionModel unet = UNet2DConditionModel.load(out.resolve("unet"))) {
                            fineTune(unet, vae, prompts, sched, domain.equals("source") ? sourceImages : targetImages, o,
                                    domain.equals("source") ? o.source() : o.target(), work.resolve(domain), log, domain);
                            publish(work.resolve(domain + "/unet"), out.resolve("unet_" + domain));
                        }
                        stages.put(domain, stageInfo(work.resolve(domain), s, out.resolve("logs"), domain));
                    }
                }
                if (!done(out, "controlnet")) {
                    long s = System.nanoTime();
                    try (UNet2DConditionModel unet = UNet2DConditionModel.load(out.resolve("unet_source"));
                            ControlNetModel cn = ControlNetModel.fromUnet(unet, ControlNetConfig.fromUnet(unet.config(),
                                    SegmentationConditioning.CHANNELS, List.of(16, 32, 64)), o.seed() + 3)) {
                        Stage st = o.controlnet();
                        Path run = work.resolve("controlnet");
                        var co = new ControlNetFineTuning.Options(w.resolve("source"), MaskedImageData.Format.GTA5, null,
                                o.controlNetCrop(), st.steps(), st.batch(), 1, st.lr(), "constant_with_warmup", st.warmup(), 1.0,
                                1e-2, 1.0, false, o.rcsTemperature(), o.rcsMinPixels(), o.seed(), run, 200, 1, 50,
                                Files.isDirectory(run));
                        ControlNetFineTuning.run(cn, unet, vae, prompts, sched, co, log.stage("controlnet", st.steps()));
                        copy(run.resolve("rcs_times_sampled.json"), out.resolve("logs/controlnet_rcs_times_sampled.json"));
                        publish(run.resolve("controlnet"), out.resolve("controlnet"));
                    }
                    stages.put("controlnet", stageInfo(work.resolve("controlnet"), s, out.resolve("logs"), "controlnet"));
                }
            }
        }
        writeProvenance(out, o, command, commit, stages);
        log.line(String.format("toy zoo complete in %s (%.0f s this run)", out, (System.nanoTime() - t0) / 1e9));
        return out;
    }

    private static void fineTune(UNet2DConditionModel unet, AutoencoderKL vae, PromptEncoder prompts, SchedulerConfig sched,
            Path data, Options o, Stage st, Path run, Log log, String name) {
        var uo = new UNetFineTuning.Options(data, PROMPT, 0, st.steps(), st.batch(), 1, st.lr(),
                st.warmup() > 0 ? "constant_with_warmup" : "constant", st.warmup(), 1.0, 1e-2, 0.0, false, true, o.seed(), run,
                200, 1, 50, Files.isDirectory(run)).withEmaAndCache(o.unetEma(), true).withSnrGamma(o.snrGamma())
                // one cache for the three U-Net stages: the prior encodes both domains, the domain stages reuse them
                .withLatentCacheFile(run.resolveSibling("latent-cache.safetensors"));
        UNetFineTuning.run(unet, vae, prompts, sched, uo, log.stage(name, st.steps()));
    }

    /** True when the component's weights are in place (stages publish their folder last, atomically per file). */
    static boolean done(Path out, String component) {
        String file = component.equals("text_encoder") ? "model.safetensors" : "diffusion_pytorch_model.safetensors";
        return Files.isRegularFile(out.resolve(component).resolve(file))
                && Files.isRegularFile(out.resolve(component).resolve("config.json"));
    }

    /** The base: model_index.json, the bundled tokenizer, a seeded random text tower (F16), SD1.5's DDIM schedule, v-prediction. */
    private static void writeBase(Path out, long seed) {
        CLIPTokenizer.writeBundled(out.resolve("tokenizer"));
        AtomicFiles.writeString(out.resolve("scheduler/scheduler_config.json"), """
                {
                  "_class_name": "DDIMScheduler",
                  "beta_start": 0.00085,
                  "beta_end": 0.012,
                  "beta_schedule": "scaled_linear",
                  "num_train_timesteps": 1000,
                  "clip_sample": false,
                  "set_alpha_to_one": false,
                  "steps_offset": 1,
                  "prediction_type": "v_prediction",
                  "timestep_spacing": "leading"
                }
                """);
        AtomicFiles.writeString(out.resolve("model_index.json"), """
                {
                  "_class_name": "StableDiffusionPipeline",
                  "_diffusers_version": "0.35.2",
                  "text_encoder": ["transformers", "CLIPTextModel"],
                  "tokenizer": ["transformers", "CLIPTokenizer"],
                  "unet": ["diffusers", "UNet2DConditionModel"],
                  "vae": ["diffusers", "AutoencoderKL"],
                  "scheduler": ["diffusers", "DDIMScheduler"],
                  "safety_checker": [null, null],
                  "feature_extractor": [null, null]
                }
                """);
        CLIPTextConfig tc = Configs.read(textConfig(), CLIPTextConfig.class, "toy text encoder");
        try (CLIPTextModel text = CLIPTextModel.random(tc, seed)) {
            List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
            StateDict.torchTensors(text.params(), k -> true).forEach((k, v) -> tensors.add(
                    SafetensorsWriter.Tensor.of(k, v, dev.udadiffusion.core.safetensors.DType.F16)));
            SafetensorsWriter.write(out.resolve("text_encoder/model.safetensors"), tensors, Map.of("format", "pt"));
            ObjectNode cfg = (ObjectNode) json(Configs.toJson(tc));
            cfg.putArray("architectures").add("CLIPTextModel");
            AtomicFiles.writeString(out.resolve("text_encoder/config.json"), cfg.toPrettyString());
        }
    }

    /** A folder whose two sub-folders link to the source and target training images (ImageFolderData follows links). */
    private static Path bothDomains(Path dir, Path source, Path target) {
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, Path> e : Map.of("source", source, "target", target).entrySet()) {
                Path link = dir.resolve(e.getKey());
                if (!Files.exists(link)) {
                    Files.createSymbolicLink(link, e.getValue().toAbsolutePath());
                }
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot link the training images: " + e.getMessage(), e);
        }
    }

    /** LDM's rule: 1 / std of posterior samples of training images, so the diffusion model sees unit-variance latents. */
    static double latentScale(AutoencoderKL vae, ImageFolderData data, int resolution, long seed) {
        Rng rng = new Rng(seed ^ 0x5CA1EL);
        int n = Math.min(64, data.size());
        INDArray[] x = new INDArray[n];
        for (int i = 0; i < n; i++) {
            x[i] = data.sample(rng.nextInt(data.size()), resolution, true, false, rng);
        }
        AutoencoderKL.Posterior p = vae.encode(Nd4j.concat(0, x));
        INDArray z = p.sample(rng.gaussian(p.mean().shape()));
        return 1.0 / z.stdNumber().doubleValue();
    }

    /** Moves a finished stage's model folder into the zoo (replacing an older one). */
    private static void publish(Path from, Path to) {
        try {
            Files.createDirectories(to);
            try (Stream<Path> files = Files.list(from)) {
                for (Path f : files.toList()) {
                    copy(f, to.resolve(f.getFileName()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(to + ": " + e.getMessage(), e);
        }
    }

    private static void copy(Path from, Path to) {
        AtomicFiles.write(to, "copy of " + from, tmp -> Files.copy(from, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING));
    }

    private static Map<String, Object> stageInfo(Path run, long startNanos, Path logs, String name) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("seconds", Math.round((System.nanoTime() - startNanos) / 1e9));
        Path csv = run.resolve("loss.csv");
        if (Files.isRegularFile(csv)) {
            copy(csv, logs.resolve(name + "_loss.csv"));
            LossPlot.fromCsv(csv, logs.resolve(name + "_loss.png"), "toy zoo: " + name + " training loss");
            try {
                List<String> lines = Files.readAllLines(csv);
                double sum = 0;
                int k = 0;
                for (int i = Math.max(1, lines.size() - 20); i < lines.size(); i++) {
                    String[] c = lines.get(i).split(",");
                    sum += Double.parseDouble(c[1]);
                    k++;
                }
                m.put("steps", lines.size() - 1);
                m.put("final_loss_mean_of_last_20", k == 0 ? null : sum / k);
            } catch (IOException | RuntimeException e) {
                m.put("loss", "unreadable: " + e.getMessage());
            }
        }
        return m;
    }

    private static void writeProvenance(Path out, Options o, String command, String commit, Map<String, Object> newStages) {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        Path file = out.resolve("zoo.json");
        ObjectNode stages = om.createObjectNode();
        if (Files.isRegularFile(file)) {
            var old = json(read(file));
            if (old.has("stages")) {
                stages.setAll((ObjectNode) old.get("stages"));
                // stages recorded before per-stage provenance were made by the run the old root names
                stages.fields().forEachRemaining(e -> {
                    if (!e.getValue().has("commit") && e.getValue() instanceof ObjectNode st) {
                        st.put("commit", old.path("commit").asText()).put("command", old.path("command").asText());
                    }
                });
            }
        }
        // per stage, the commit and command that trained it: a resumed zoo mixes stages of several runs
        newStages.forEach((k, v) -> stages.set(k, ((ObjectNode) om.valueToTree(v)).put("commit", commit).put("command", command)));
        root.put("what", "uda-diffusion toy model zoo: Stable Diffusion with small configs trained on the toy world");
        root.put("command", command);
        root.put("seed", o.seed());
        root.put("commit", commit);
        root.put("created", Instant.now().toString());
        root.set("options", om.valueToTree(o));
        root.set("stages", stages);
        ObjectNode files = root.putObject("sha256");
        for (String c : COMPONENTS) {
            String f = c.equals("text_encoder") ? "model.safetensors" : "diffusion_pytorch_model.safetensors";
            Path p = out.resolve(c).resolve(f);
            if (Files.isRegularFile(p)) {
                files.put(c + "/" + f, Fingerprints.sha256(p));
            }
        }
        AtomicFiles.writeString(file, root.toPrettyString());
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(p + ": " + e.getMessage(), e);
        }
    }

    private static com.fasterxml.jackson.databind.JsonNode json(String s) {
        try {
            return new ObjectMapper().readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A small CLIP text tower: SD1.5's vocabulary and 77 positions, 2 layers of width 32 (3.2 MB in F16). */
    static ObjectNode textConfig() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("vocab_size", 49408).put("hidden_size", 32).put("intermediate_size", 64).put("num_hidden_layers", 2)
                .put("num_attention_heads", 4).put("max_position_embeddings", 77).put("hidden_act", "quick_gelu")
                .put("layer_norm_eps", 1e-5).put("projection_dim", 32);
        return n;
    }

    /** A ×4 KL autoencoder (three levels 32/64/64, one ResNet per level, no mid-block attention), 4 latent channels. */
    static ObjectNode vaeConfig() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.putArray("down_block_types").add("DownEncoderBlock2D").add("DownEncoderBlock2D").add("DownEncoderBlock2D");
        n.putArray("up_block_types").add("UpDecoderBlock2D").add("UpDecoderBlock2D").add("UpDecoderBlock2D");
        n.putArray("block_out_channels").add(32).add(64).add(64);
        n.put("layers_per_block", 1).put("latent_channels", 4).put("norm_num_groups", 16).put("sample_size", 64)
                .put("mid_block_add_attention", false).put("scaling_factor", 1.0);
        return n;
    }

    /** The prototype's U-Net: 32/64/64 channels, cross-attention only at the two lower levels, 8 heads. */
    static ObjectNode unetConfig(int crossDim) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.putArray("block_out_channels").add(32).add(64).add(64);
        n.putArray("down_block_types").add("DownBlock2D").add("CrossAttnDownBlock2D").add("CrossAttnDownBlock2D");
        n.putArray("up_block_types").add("CrossAttnUpBlock2D").add("CrossAttnUpBlock2D").add("UpBlock2D");
        n.put("layers_per_block", 1).put("cross_attention_dim", crossDim).put("norm_num_groups", 16)
                .put("attention_head_dim", 8).put("sample_size", 16).put("in_channels", 4).put("out_channels", 4);
        return n;
    }
}
