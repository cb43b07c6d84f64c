package dev.udadiffusion.diffusion.train;

import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.core.train.AdamW;
import dev.udadiffusion.core.train.LrSchedule;
import dev.udadiffusion.core.train.NativeThreads;
import dev.udadiffusion.core.train.Trainer;
import dev.udadiffusion.core.train.TrainingGraph;
import dev.udadiffusion.core.train.TrainingLoop;
import dev.udadiffusion.core.train.TrainingSettings;
import dev.udadiffusion.diffusion.vae.AutoencoderKL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trains a KL autoencoder on a folder of images (random square crops, horizontal flips) with {@link VaeTraining}'s
 * loss — how the toy model zoo gets its small VAE. Checkpointed and resumable through {@link TrainingLoop}; the result
 * is a diffusers {@code vae/} folder under {@code outDir}.
 */
public final class VaeFineTuning {

    /**
     * @param data folder of training images
     * @param resolution square crop size
     * @param klWeight weight of the KL term per pixel-channel (see {@link VaeTraining})
     * @param training steps, optimiser (its weight decay applies to every weight), seed, output and checkpoints
     */
    public record Options(Path data, int resolution, int batch, double klWeight, TrainingSettings training) {
        public Options {
            if (resolution < 1 || batch < 1 || klWeight < 0) {
                throw new IllegalArgumentException("resolution and batch must be positive, klWeight ≥ 0");
            }
        }
    }

    private VaeFineTuning() {
    }

    public static TrainingLoop.History run(AutoencoderKL vae, Options o, TrainingLoop.Listener listener) {
        ImageFolderData data = ImageFolderData.open(o.data(), "");
        int f = vae.config().downscale();
        if (o.resolution() % f != 0) {
            throw new IllegalArgumentException("resolution " + o.resolution() + " must be a multiple of the VAE's factor " + f);
        }
        TrainingGraph g = VaeTraining.graph(vae, o.resolution(), o.resolution(), o.klWeight());
        List<String> names = new ArrayList<>(g.trainable().keySet());
        TrainingSettings t = o.training();
        TrainingSettings.Optimizer opt = t.optimizer();
        AdamW adam = new AdamW(List.of(new AdamW.Group("vae", names, 1.0, opt.weightDecay())), 0.9, 0.999, 1e-8);
        Trainer trainer = new Trainer(g, adam, LrSchedule.named(opt.lrSchedule(), opt.warmup(), t.steps()), opt.lr(),
                opt.maxGradNorm());
        int latent = vae.config().latentChannels();
        long lr = o.resolution() / f;
        TrainingLoop.BatchSource source = (step, micro, rng) -> batch(data, o, latent, lr, rng);
        TrainingLoop.History h = TrainingLoop.run(trainer, source, t, NativeThreads.forConvTraining(), listener);
        vae.save(t.outDir().resolve("vae"));
        return h;
    }

    private static Map<String, INDArray> batch(ImageFolderData data, Options o, int latent, long lr, Rng rng) {
        INDArray[] images = new INDArray[o.batch()];
        for (int b = 0; b < images.length; b++) {
            images[b] = data.sample(rng.nextInt(data.size()), o.resolution(), true, true, rng);
        }
        Map<String, INDArray> feeds = new HashMap<>();
        feeds.put(VaeTraining.IMAGE, Nd4j.concat(0, images));
        feeds.put(VaeTraining.EPS, rng.gaussian(o.batch(), latent, lr, lr));
        return feeds;
    }

}
