package dev.udadiffusion.diffusion.train;

import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.diffusion.clip.PromptEncoder;
import dev.udadiffusion.diffusion.pipeline.GenerationRequest;
import dev.udadiffusion.diffusion.pipeline.StableDiffusionPipeline;
import dev.udadiffusion.diffusion.schedulers.DDIMScheduler;
import dev.udadiffusion.diffusion.schedulers.DDPMScheduler;
import dev.udadiffusion.diffusion.schedulers.SchedulerConfig;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import dev.udadiffusion.diffusion.vae.AutoencoderKL;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The feeds of {@link UNetFineTuning}'s steps: instance batches, DreamBooth prior-preservation batches, class images. */
final class UNetBatches {

    private UNetBatches() {
    }

    /** Generates the class images {@code prior} still lacks with the (not yet fine-tuned) model. */
    static void ensureClassImages(UNetFineTuning.Prior prior, UNet2DConditionModel unet, AutoencoderKL vae, PromptEncoder prompts,
            SchedulerConfig cfg, int resolution, long seed) {
        try {
            Files.createDirectories(prior.data());
            long have;
            try (Stream<Path> s = Files.list(prior.data())) {
                have = s.filter(f -> f.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.(png|jpe?g)")).count();
            }
            var pipe = new StableDiffusionPipeline(prompts, unet, vae,
                    () -> new DDIMScheduler(cfg));
            for (long i = have; i < prior.count(); i++) {
                var req = GenerationRequest.of(prior.prompt(), seed + i).withSize(resolution, resolution)
                        .withSteps(prior.steps());
                Images.write(Images.fromUnitTensor(
                        pipe.generate(req).images().slice(0)), prior.data().resolve(String.format("class-%05d.png", i)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(prior.data() + ": " + e.getMessage(), e);
        }
    }

    static Map<String, INDArray> instance(ImageFolderData data, AutoencoderKL vae, DDPMScheduler noise,
            Map<String, INDArray> emb, INDArray empty, UNetFineTuning.Options o, Rng rng, LatentCache cache) {
        List<INDArray> images = new ArrayList<>();
        List<INDArray> ctx = new ArrayList<>();
        List<INDArray> means = new ArrayList<>();
        List<INDArray> stds = new ArrayList<>();
        for (int b = 0; b < o.batch(); b++) {
            int i = rng.nextInt(data.size());
            if (cache != null) {
                boolean flip = o.images().flip() && rng.nextDouble() < 0.5;
                means.add(cache.mean(i, flip));
                stds.add(cache.std(i, flip));
            } else {
                images.add(data.sample(i, o.images().resolution(), !o.images().centerCrop(), o.images().flip(), rng));
            }
            boolean drop = o.images().emptyPromptProb() > 0 && rng.nextDouble() < o.images().emptyPromptProb();
            ctx.add(drop ? empty : emb.get(data.items().get(i).caption()));
        }
        INDArray mean;
        INDArray std;
        if (cache != null) {
            mean = Nd4j.concat(0, means.toArray(new INDArray[0]));
            std = Nd4j.concat(0, stds.toArray(new INDArray[0]));
        } else {
            AutoencoderKL.Posterior post = vae.encode(Nd4j.concat(0, images.toArray(new INDArray[0])));
            mean = post.mean();
            std = post.std();
        }
        INDArray latents = NoiseBatch.latents(mean, std, vae.config().scalingFactor(), rng);
        Map<String, INDArray> feeds = NoiseBatch.feeds(latents, Nd4j.concat(0, ctx.toArray(new INDArray[0])), noise, rng);
        if (o.snrGamma() > 0) {
            feeds.put(UNetTraining.LOSS_WEIGHT, Nd4j.createFromArray(
                    NoiseBatch.minSnrWeights(noise, feeds.get(UNet2DConditionModel.TIMESTEPS), o.snrGamma())).reshape(o.batch(), 1, 1, 1));
        }
        return feeds;
    }

    /** {@code batch} instance then {@code batch} class samples, weighted 2 and 2λ (see {@link UNetTraining#weightedGraph}). */
    static Map<String, INDArray> withPrior(ImageFolderData data, ImageFolderData classes, AutoencoderKL vae,
            DDPMScheduler noise, Map<String, INDArray> emb, INDArray empty, UNetFineTuning.Options o, Rng rng) {
        List<INDArray> images = new ArrayList<>();
        List<INDArray> ctx = new ArrayList<>();
        for (ImageFolderData d : List.of(data, classes)) {
            for (int b = 0; b < o.batch(); b++) {
                int i = rng.nextInt(d.size());
                images.add(d.sample(i, o.images().resolution(), !o.images().centerCrop(), o.images().flip(), rng));
                boolean drop = d == data && o.images().emptyPromptProb() > 0 && rng.nextDouble() < o.images().emptyPromptProb();
                ctx.add(drop ? empty : emb.get(d.items().get(i).caption()));
            }
        }
        AutoencoderKL.Posterior post = vae.encode(Nd4j.concat(0, images.toArray(new INDArray[0])));
        INDArray latents = NoiseBatch.latents(post.mean(), post.std(), vae.config().scalingFactor(), rng);
        Map<String, INDArray> feeds = NoiseBatch.feeds(latents, Nd4j.concat(0, ctx.toArray(new INDArray[0])), noise, rng);
        float[] snr = o.snrGamma() > 0 ? NoiseBatch.minSnrWeights(noise, feeds.get(UNet2DConditionModel.TIMESTEPS), o.snrGamma())
                : null;
        float[] w = new float[2 * o.batch()];
        for (int b = 0; b < w.length; b++) {
            w[b] = b < o.batch() ? 2f * (snr != null ? snr[b] : 1f) : (float) (2 * o.prior().weight());
        }
        feeds.put(UNetTraining.LOSS_WEIGHT, Nd4j.createFromArray(w).reshape(w.length, 1, 1, 1));
        return feeds;
    }
}
