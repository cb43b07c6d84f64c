package dev.udadiffusion.diffusion.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.core.testing.TestData;
import dev.udadiffusion.core.train.TrainingGraph;
import dev.udadiffusion.core.train.TrainingSettings;
import dev.udadiffusion.diffusion.vae.AutoencoderKL;
import dev.udadiffusion.diffusion.vae.AutoencoderKLConfig;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

class VaeTrainingTest {

    private static AutoencoderKL tinyVae() {
        Path v = TestData.reference("vae_tiny");
        return AutoencoderKL.load(AutoencoderKLConfig.read(v.resolve("config.json")), v.resolve("weights.safetensors"));
    }

    /** The training graph's losses equal the same quantities composed from the parity-tested encode/decode API. */
    @Test
    void lossMatchesEncodeSampleDecode() {
        try (AutoencoderKL vae = tinyVae()) {
            int f = vae.config().downscale();
            int latent = vae.config().latentChannels();
            Rng rng = new Rng(3);
            INDArray image = Transforms.tanh(rng.gaussian(2, 3, 32, 32));
            INDArray eps = rng.gaussian(2, latent, 32 / f, 32 / f);
            double klWeight = 0.5;
            TrainingGraph g = VaeTraining.graph(vae, 32, 32, klWeight);
            Map<String, INDArray> out = g.sd().output(Map.of(VaeTraining.IMAGE, image, VaeTraining.EPS, eps),
                    VaeTraining.REC_LOSS, VaeTraining.KL_LOSS, VaeTraining.LOSS);

            AutoencoderKL.Posterior post = vae.encode(image);
            INDArray rec = vae.decode(post.sample(eps));
            double mse = Transforms.pow(rec.sub(image), 2).meanNumber().doubleValue();
            INDArray mean = post.mean();
            INDArray logvar = post.logvar();
            INDArray terms = mean.mul(mean).add(Transforms.exp(logvar)).sub(1.0).sub(logvar).mul(0.5);
            double kl = terms.sumNumber().doubleValue() / 2; // summed per sample, averaged over the batch of 2
            assertEquals(mse, out.get(VaeTraining.REC_LOSS).getDouble(0), 1e-6 * Math.max(1, mse));
            assertEquals(kl, out.get(VaeTraining.KL_LOSS).getDouble(0), 1e-4 * Math.max(1, kl));
            assertEquals(mse + klWeight * kl / (32 * 32 * 3), out.get(VaeTraining.LOSS).getDouble(0), 1e-5);
        }
    }

    /**
     * The static-shape graph (GroupNorm in its training form) has the shape-agnostic graph's loss and gradients, and
     * builds no full-size broadcasting GroupNorm (no reduce_mean over [N·G, K] rows: its statistics are products).
     */
    @Test
    void staticShapeFormsKeepLossAndGradients() {
        try (AutoencoderKL vae = tinyVae()) {
            int f = vae.config().downscale();
            Rng rng = new Rng(5);
            Map<String, INDArray> feeds = Map.of(VaeTraining.IMAGE, Transforms.tanh(rng.gaussian(2, 3, 32, 32)),
                    VaeTraining.EPS, rng.gaussian(2, vae.config().latentChannels(), 32 / f, 32 / f));
            TrainingGraph fast = VaeTraining.graph(vae, 32, 32, 0.5, true);
            TrainingGraph plain = VaeTraining.graph(vae, 32, 32, 0.5, false);
            assertEquals(plain.sd().output(feeds, VaeTraining.LOSS).get(VaeTraining.LOSS).getDouble(0),
                    fast.sd().output(feeds, VaeTraining.LOSS).get(VaeTraining.LOSS).getDouble(0), 1e-6);
            String[] vars = plain.trainable().values().toArray(new String[0]);
            Map<String, INDArray> gp = plain.sd().calculateGradients(feeds, vars);
            Map<String, INDArray> gf = fast.sd().calculateGradients(feeds, fast.trainable().values().toArray(new String[0]));
            // with 32 groups of one channel, the bias before a GroupNorm has an analytically zero gradient (~1e-9 of
            // float noise here): compare each tensor relative to its own norm or to 1e-3 of the largest, whichever is larger
            double largest = gp.values().stream().mapToDouble(a -> a.norm2Number().doubleValue()).max().orElseThrow();
            int checked = 0;
            for (Map.Entry<String, String> e : plain.trainable().entrySet()) {
                INDArray a = gp.get(e.getValue());
                INDArray b = gf.get(fast.trainable().get(e.getKey()));
                double scale = Math.max(1e-3 * largest, a.norm2Number().doubleValue());
                assertTrue(a.sub(b).norm2Number().doubleValue() <= 1e-4 * scale, e.getKey() + ": norms " + a.norm2Number() + " / " + b.norm2Number() + ", relative L2 "
                        + a.sub(b).norm2Number().doubleValue() / scale);
                checked++;
            }
            assertEquals(vae.params().specs().size(), checked);
            long means = fast.sd().getOps().values().stream().filter(o -> o.getOp().opName().equals("reduce_mean")).count();
            long plainMeans = plain.sd().getOps().values().stream().filter(o -> o.getOp().opName().equals("reduce_mean")).count();
            assertTrue(plainMeans > 20, "the shape-agnostic GroupNorms take reduce_mean: " + plainMeans);
            assertTrue(means <= 2, "static-shape graph still builds " + means + " reduce_mean ops");
        }
    }

    /** Mean squared error of posterior-mean reconstructions of every image's centre crop. */
    private static double reconstructionError(AutoencoderKL vae, ImageFolderData set) {
        double sum = 0;
        for (int i = 0; i < set.size(); i++) {
            INDArray x = set.sample(i, 32, false, false, new Rng(0));
            sum += Transforms.pow(vae.decode(vae.encode(x).mean()).sub(x), 2).meanNumber().doubleValue();
        }
        return sum / set.size();
    }

    /** A few steps on a handful of flat-coloured images lower the reconstruction error and write a loadable vae/. */
    @Test
    void trainingReducesReconstructionErrorAndSaves(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("images"));
        Color[] colors = {Color.RED, Color.BLUE, new Color(40, 160, 60), Color.GRAY};
        for (int i = 0; i < colors.length; i++) {
            BufferedImage img = new BufferedImage(48, 32, BufferedImage.TYPE_INT_RGB);
            Graphics2D gr = img.createGraphics();
            gr.setColor(colors[i]);
            gr.fillRect(0, 0, 48, 32);
            gr.setColor(Color.WHITE);
            gr.fillRect(8 + 4 * i, 8, 12, 12);
            gr.dispose();
            Images.write(img, data.resolve("img" + i + ".png"));
        }
        try (AutoencoderKL vae = tinyVae()) {
            ImageFolderData set = ImageFolderData.open(data, "");
            double before = reconstructionError(vae, set);
            var o = new VaeFineTuning.Options(data, 32, 4, 1e-2, TrainingSettings.builder(dir.resolve("run")).steps(60).lr(2e-3)
                    .lrSchedule("constant_with_warmup").weightDecay(0).logEvery(10).build());
            VaeFineTuning.run(vae, o, (s, t, r, sec) -> { });
            double after = reconstructionError(vae, set);
            assertTrue(after < 0.8 * before, "reconstruction MSE " + before + " -> " + after);
            try (AutoencoderKL back = AutoencoderKL.load(dir.resolve("run/vae"))) {
                for (String k : vae.params().specs().keySet()) {
                    assertEquals(vae.params().array(k), back.params().array(k), k);
                }
            }
        }
    }
}
