package dev.udadiffusion.experiments.toyzoo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.udadiffusion.controlnet.ControlNetConfig;
import dev.udadiffusion.controlnet.ControlNetModel;
import dev.udadiffusion.controlnet.SegmentationConditioning;
import dev.udadiffusion.controlnet.train.ControlNetFineTuning;
import dev.udadiffusion.controlnet.train.MaskedImageData;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.io.AtomicFiles;
import dev.udadiffusion.core.io.Provenance;
import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.core.train.TrainingLoop;
import dev.udadiffusion.core.train.TrainingSettings;
import dev.udadiffusion.data.toyworld.ToyWorld;
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
import dev.udadiffusion.experiments.ExperimentLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The toy model zoo: Stable Diffusion with small configs, trained by this project's own code on the toy world — the
 * thesis's models at toy scale. Stages, one after another (each resumable; a finished stage is skipped): the world
 * ({@code OUT/.work/world}); the base (bundled SD1.5 tokenizer, a frozen random CLIP text tower, SD1.5's noise schedule
 * with v-prediction); a ×4 VAE on both domains; a prior U-Net from scratch on both domains; DreamBooth-style source and
 * target U-Nets fine-tuned from it; a ControlNet initialised from the source U-Net and trained on source image–label
 * pairs with the source U-Net frozen and Rare Class Sampling (thesis §3.4–3.5); the in-domain oracle ControlNet
 * (§4.2.1: prior U-Net, target pairs) and the lightweight ControlNet (§5.1: zero convolutions only).
 *
 * <p>Every text input is the empty prompt: with a random text tower, class-name prompts carry no meaning, and a prompt
 * the U-Nets never saw would only shift their cross-attention. The result is a diffusers folder ({@code unet} = the
 * prior, {@code unet_source}, {@code unet_target}, {@code controlnet}, {@code controlnet_oracle},
 * {@code controlnet_lightweight}) with {@code zoo.json} and {@code logs/}.
 */
public final class ToyZoo {

    public static final String PROMPT = "";
    /** The zoo's model folders, each with its weights file. */
    public static final List<String> COMPONENTS = List.of("text_encoder", "vae", "unet", "unet_source", "unet_target",
            "controlnet", "controlnet_oracle", "controlnet_lightweight");

    /** One stage trained by this run: wall time, steps, mean loss of its last 20 steps ({@code loss}: why there is none). */
    public record StageStats(long seconds, Long steps, Double finalLoss, String loss) {
        ObjectNode toJson() {
            ObjectNode n = new ObjectMapper().createObjectNode().put("seconds", seconds);
            if (steps != null) {
                n.put("steps", steps).put("final_loss_mean_of_last_20", finalLoss);
            }
            if (loss != null) {
                n.put("loss", loss);
            }
            return n;
        }
    }

    /** The zoo folder, its provenance file, and the stages this run trained (empty when every stage was done). */
    public record Result(Path zoo, Path zooJson, Map<String, StageStats> trained, double seconds) {
    }

    private ToyZoo() {
    }

    /** Trains (or finishes training) the zoo in {@code out}; {@code command} is recorded in zoo.json. */
    public static Result train(Path out, ToyZooOptions o, String command, ExperimentLog log) {
        Path work = out.resolve(".work");
        String commit = Provenance.commit(); // the code that starts the run (the tree may change while it trains)
        Map<String, StageStats> stages = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        ToyWorld.Written world = new ToyWorld(o.world().width(), o.world().height(), o.seed())
                .write(work.resolve("world"), o.world().counts(), (d, t) -> { });
        Path w = world.root();
        log.line("toy world: " + w);
        Path sourceImages = w.resolve("source/images");
        Path targetImages = w.resolve("target/leftImg8bit/train");
        Path both = bothDomains(work.resolve("images-both"), sourceImages, targetImages);

        if (!Files.isRegularFile(out.resolve("text_encoder/model.safetensors"))) {
            ToyZooBase.write(out, o.seed());
        }
        CLIPTokenizer tok = CLIPTokenizer.load(out.resolve("tokenizer"));
        SchedulerConfig sched = SchedulerConfig.read(out.resolve("scheduler/scheduler_config.json"));
        Path logs = out.resolve("logs");
        try (CLIPTextModel text = CLIPTextModel.load(out.resolve("text_encoder"))) {
            PromptEncoder prompts = new PromptEncoder(tok, text);
            if (!done(out, "vae")) {
                long s = System.nanoTime();
                trainVae(out, o, both, work.resolve("vae"), log);
                stages.put("vae", ZooRecord.stage(work.resolve("vae"), s, logs, "vae"));
            }
            try (AutoencoderKL vae = AutoencoderKL.load(out.resolve("vae"))) {
                if (!done(out, "unet")) {
                    long s = System.nanoTime();
                    trainPrior(out, o, both, vae, prompts, sched, text.config().hiddenSize(), work.resolve("prior"), log);
                    stages.put("prior", ZooRecord.stage(work.resolve("prior"), s, logs, "prior"));
                }
                for (String domain : List.of("source", "target")) {
                    if (!done(out, "unet_" + domain)) {
                        long s = System.nanoTime();
                        boolean src = domain.equals("source");
                        try (UNet2DConditionModel unet = UNet2DConditionModel.load(out.resolve("unet"))) {
                            fineTune(unet, vae, prompts, sched, src ? sourceImages : targetImages, o,
                                    src ? o.source() : o.target(), work.resolve(domain), log, domain);
                            publish(work.resolve(domain + "/unet"), out.resolve("unet_" + domain));
                        }
                        stages.put(domain, ZooRecord.stage(work.resolve(domain), s, logs, domain));
                    }
                }
                trainControlNets(out, o, w, vae, prompts, sched, work, log, stages);
            }
        }
        ZooRecord.write(out, o, command, commit, stages);
        double seconds = (System.nanoTime() - t0) / 1e9;
        log.line(String.format("toy zoo complete in %s (%.0f s this run)", out, seconds));
        return new Result(out, out.resolve("zoo.json"), stages, seconds);
    }

    /** The prior U-Net, from scratch on both domains (seeded with the zoo's seed + 2). */
    private static void trainPrior(Path out, ToyZooOptions o, Path both, AutoencoderKL vae, PromptEncoder prompts,
            SchedulerConfig sched, int textWidth, Path run, ExperimentLog log) {
        UNet2DConditionConfig uc = Configs.read(ToyZooBase.unetConfig(textWidth), UNet2DConditionConfig.class, "toy unet");
        try (UNet2DConditionModel unet = UNet2DConditionModel.random(uc, o.seed() + 2)) {
            fineTune(unet, vae, prompts, sched, both, o, o.prior(), run, log, "prior");
            publish(run.resolve("unet"), out.resolve("unet"));
        }
    }

    private static void trainVae(Path out, ToyZooOptions o, Path images, Path run, ExperimentLog log) {
        try (AutoencoderKL vae = AutoencoderKL.random(Configs.read(ToyZooBase.vaeConfig(), AutoencoderKLConfig.class,
                "toy vae"), o.seed() + 1)) {
            ToyZooOptions.Stage st = o.vae().stage();
            TrainingSettings training = settings(st, run, o.seed()).maxGradNorm(1.0).weightDecay(0)
                    .lrSchedule("constant_with_warmup").keepCheckpoints(2).build();
            VaeFineTuning.run(vae, new VaeFineTuning.Options(images, o.vae().crop(), st.batch(), o.vae().klWeight(), training),
                    stage(log, "vae", st.steps()));
            double factor = latentScale(vae, ImageFolderData.open(images, PROMPT), o.vae().crop(), o.seed());
            ObjectNode cfg = Configs.toJsonTree(vae.config());
            cfg.put("scaling_factor", factor);
            Path tmp = run.resolve("vae");
            AtomicFiles.writeString(tmp.resolve("config.json"), cfg.toPrettyString());
            publish(tmp, out.resolve("vae"));
            log.line(String.format("vae: latent scaling factor %.4f", factor));
        }
    }

    /**
     * The zoo's three ControlNets. {@code controlnet}: initialised from the source U-Net, trained next to it on source
     * pairs with RCS (the thesis's U-Net swap, §3.4). {@code controlnet_oracle}: the in-domain "oracle" of §4.2.1,
     * initialised from the prior U-Net (the thesis's base SD) and trained next to it on target pairs, uniformly drawn.
     * {@code controlnet_lightweight}: §5.1's variant, the full {@code controlnet} with its zero convolutions reset and
     * only those trained, on the full one's data. All three with the same stage settings (the thesis trains the oracle
     * and the cross-domain ControlNet with the same hyper-parameters).
     */
    private static void trainControlNets(Path out, ToyZooOptions o, Path world, AutoencoderKL vae, PromptEncoder prompts,
            SchedulerConfig sched, Path work, ExperimentLog log, Map<String, StageStats> stages) {
        Path logs = out.resolve("logs");
        Path source = world.resolve("source");
        for (String name : List.of("controlnet", "controlnet_oracle", "controlnet_lightweight")) {
            if (done(out, name)) {
                continue;
            }
            long s = System.nanoTime();
            Path run = work.resolve(name);
            switch (name) {
                case "controlnet" -> {
                    try (UNet2DConditionModel unet = UNet2DConditionModel.load(out.resolve("unet_source"));
                            ControlNetModel cn = fromUnet(unet, o.seed() + 3)) {
                        trainControlNet(cn, unet, o, vae, prompts, sched, source, MaskedImageData.Format.GTA5, null, true,
                                false, run, log, name);
                    }
                }
                case "controlnet_oracle" -> {
                    try (UNet2DConditionModel unet = UNet2DConditionModel.load(out.resolve("unet"));
                            ControlNetModel cn = fromUnet(unet, o.seed() + 4)) {
                        trainControlNet(cn, unet, o, vae, prompts, sched, world.resolve("target"),
                                MaskedImageData.Format.CITYSCAPES, "train", false, false, run, log, name);
                    }
                }
                default -> {
                    try (UNet2DConditionModel unet = UNet2DConditionModel.load(out.resolve("unet_source"));
                            ControlNetModel cn = ControlNetModel.load(out.resolve("controlnet")).resetZeroConvolutions()) {
                        trainControlNet(cn, unet, o, vae, prompts, sched, source, MaskedImageData.Format.GTA5, null, true,
                                true, run, log, name);
                    }
                }
            }
            if (Files.isRegularFile(run.resolve("rcs_times_sampled.json"))) {
                copy(run.resolve("rcs_times_sampled.json"), logs.resolve(name + "_rcs_times_sampled.json"));
            }
            publish(run.resolve("controlnet"), out.resolve(name));
            stages.put(name, ZooRecord.stage(run, s, logs, name));
        }
    }

    private static ControlNetModel fromUnet(UNet2DConditionModel unet, long seed) {
        return ControlNetModel.fromUnet(unet, ControlNetConfig.fromUnet(unet.config(), SegmentationConditioning.CHANNELS,
                List.of(16, 32, 64)), seed);
    }

    private static void trainControlNet(ControlNetModel cn, UNet2DConditionModel unet, ToyZooOptions o, AutoencoderKL vae,
            PromptEncoder prompts, SchedulerConfig sched, Path pairs, MaskedImageData.Format format, String split,
            boolean rcs, boolean lightweight, Path run, ExperimentLog log, String name) {
        ToyZooOptions.ControlNetStage c = o.controlnet();
        ToyZooOptions.Stage st = c.stage();
        // every prompt empty (dropout probability 1): the zoo's text tower is random
        var co = ControlNetFineTuning.Options.builder(pairs, run).data(pairs, format, split).resolution(c.crop())
                .batch(st.batch()).emptyPromptProb(1.0).lightweight(lightweight)
                .rcs(rcs ? c.rcsTemperature() : 0, c.rcsMinPixels())
                .training(settings(st, run, o.seed()).lrSchedule("constant_with_warmup").build()).build();
        ControlNetFineTuning.run(cn, unet, vae, prompts, sched, co, stage(log, name, st.steps()));
    }

    private static void fineTune(UNet2DConditionModel unet, AutoencoderKL vae, PromptEncoder prompts, SchedulerConfig sched,
            Path data, ToyZooOptions o, ToyZooOptions.Stage st, Path run, ExperimentLog log, String name) {
        TrainingSettings training = settings(st, run, o.seed()).emaDecay(o.unets().ema())
                .lrSchedule(st.warmup() > 0 ? "constant_with_warmup" : "constant").build();
        var uo = UNetFineTuning.Options.builder(data, run).prompt(PROMPT).resolution(0).batch(st.batch()).training(training)
                .cacheLatents(true).snrGamma(o.unets().snrGamma())
                // one cache for the three U-Net stages: the prior encodes both domains, the domain stages reuse them
                .latentCacheFile(run.resolveSibling("latent-cache.safetensors")).build();
        UNetFineTuning.run(unet, vae, prompts, sched, uo, stage(log, name, st.steps()));
    }

    /** A stage's steps, lr and warm-up; clipping 1.0, weight decay 0.01, a checkpoint every 200 steps (1 kept); resumes. */
    private static TrainingSettings.Builder settings(ToyZooOptions.Stage st, Path run, long seed) {
        return TrainingSettings.builder(run).steps(st.steps()).lr(st.lr()).warmup(st.warmup()).maxGradNorm(1.0)
                .weightDecay(1e-2).seed(seed).checkpointEvery(200).keepCheckpoints(1).logEvery(50)
                .resume(Files.isDirectory(run));
    }

    private static TrainingLoop.Listener stage(ExperimentLog log, String name, long steps) {
        log.line(String.format("== %s: %d steps", name, steps));
        return log.training(Math.max(1, steps / 10));
    }

    /** The weights file of a zoo component. */
    static String weightsFile(String component) {
        return component.equals("text_encoder") ? "model.safetensors" : "diffusion_pytorch_model.safetensors";
    }

    /** True when the component's weights are in place (stages publish their folder last, atomically per file). */
    static boolean done(Path out, String component) {
        return Files.isRegularFile(out.resolve(component).resolve(weightsFile(component)))
                && Files.isRegularFile(out.resolve(component).resolve("config.json"));
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

    static void copy(Path from, Path to) {
        AtomicFiles.write(to, "copy of " + from, tmp -> Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING));
    }
}
