package dev.udadiffusion.diffusion.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.core.testing.TestData;
import dev.udadiffusion.core.train.TrainingGraph;
import dev.udadiffusion.core.train.TrainingLoop;
import dev.udadiffusion.diffusion.clip.CLIPTextConfig;
import dev.udadiffusion.diffusion.clip.CLIPTextModel;
import dev.udadiffusion.diffusion.clip.CLIPTokenizer;
import dev.udadiffusion.diffusion.clip.PromptEncoder;
import dev.udadiffusion.diffusion.pipeline.Sd15;
import dev.udadiffusion.diffusion.unet.UNet2DConditionConfig;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import dev.udadiffusion.diffusion.vae.AutoencoderKL;
import dev.udadiffusion.diffusion.vae.AutoencoderKLConfig;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UNetFineTuningTest {

    @TempDir
    static Path dir;
    static Path data;

    /** A few 80×72 "domain" images: smooth gradients with a coloured box, so crops and flips do something. */
    @BeforeAll
    static void images() throws Exception {
        data = Files.createDirectories(dir.resolve("domain"));
        Random r = new Random(5);
        for (int i = 0; i < 4; i++) {
            BufferedImage img = new BufferedImage(80, 72, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setPaint(new java.awt.GradientPaint(0, 0, new Color(r.nextInt(1 << 24)), 80, 72, new Color(r.nextInt(1 << 24))));
            g.fillRect(0, 0, 80, 72);
            g.setColor(new Color(r.nextInt(1 << 24)));
            g.fillRect(10 + r.nextInt(30), 10 + r.nextInt(20), 25, 20);
            g.dispose();
            ImageIO.write(img, "png", data.resolve("img" + i + ".png").toFile());
        }
        Files.writeString(data.resolve("img0.txt"), "a road scene");
    }

    record Models(UNet2DConditionModel unet, AutoencoderKL vae, PromptEncoder prompts) implements AutoCloseable {
        @Override
        public void close() {
            unet.close();
            vae.close();
            prompts.textModel().close();
        }
    }

    static Models tiny() {
        Path u = TestData.reference("unet_tiny");
        Path v = TestData.reference("vae_tiny");
        Path c = TestData.reference("clip_text_tiny");
        return new Models(UNet2DConditionModel.load(UNet2DConditionConfig.read(u.resolve("config.json")), u.resolve("weights.safetensors")),
                AutoencoderKL.load(AutoencoderKLConfig.read(v.resolve("config.json")), v.resolve("weights.safetensors")),
                new PromptEncoder(CLIPTokenizer.load(TestData.reference("clip_tokenizer")),
                        CLIPTextModel.load(CLIPTextConfig.read(c.resolve("config.json")), c.resolve("weights.safetensors"))));
    }

    static UNetFineTuning.Options opts(Path out, long steps) {
        // with an EMA (the saved U-Net is the average): its warm-up must continue, not restart, on resume
        return UNetFineTuning.Options.builder(data, out).resolution(64).batch(2)
                .training(t -> t.steps(steps).lr(1e-4).resume(true).checkpointEvery(3).emaDecay(0.9)).build();
    }

    @Test
    void resumedRunEqualsUninterruptedRun() throws Exception {
        Path a = dir.resolve("run-a");
        Path b = dir.resolve("run-b");
        try (Models m = tiny()) {
            UNetFineTuning.run(m.unet(), m.vae(), m.prompts(), Sd15.scheduler(), opts(a, 6), (s, t, r, sps) -> { });
        }
        try (Models m = tiny()) {
            UNetFineTuning.run(m.unet(), m.vae(), m.prompts(), Sd15.scheduler(), opts(b, 3), (s, t, r, sps) -> { });
        }
        try (Models m = tiny()) { // a new process would start like this: fresh weights, then --resume
            TrainingLoop.History h = UNetFineTuning.run(m.unet(), m.vae(), m.prompts(), Sd15.scheduler(), opts(b, 6),
                    (s, t, r, sps) -> { });
            assertEquals(3, h.firstStep());
        }
        byte[] wa = Files.readAllBytes(a.resolve("unet/diffusion_pytorch_model.safetensors"));
        byte[] wb = Files.readAllBytes(b.resolve("unet/diffusion_pytorch_model.safetensors"));
        assertTrue(java.util.Arrays.equals(wa, wb), "resumed weights differ from the uninterrupted run");
        List<String> csvA = Files.readAllLines(a.resolve("loss.csv"));
        List<String> csvB = Files.readAllLines(b.resolve("loss.csv"));
        assertEquals(csvA, csvB);
        // the result is a U-Net folder like any other; only the last 2 checkpoints are kept
        try (UNet2DConditionModel back = UNet2DConditionModel.load(a.resolve("unet"))) {
            assertTrue(back.params().count() > 0);
        }
        try (var s = Files.list(a)) {
            assertEquals(2, s.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).count());
        }
    }

    @Test
    void cachedLatentsAndEmaWeights() throws Exception {
        Path out = dir.resolve("run-ema");
        UNetFineTuning.Options o = UNetFineTuning.Options.builder(data, out).resolution(64).batch(2)
                .training(t -> t.steps(4).lr(1e-3).emaDecay(0.5)).cacheLatents(true).build();
        try (Models m = tiny()) {
            TrainingLoop.History h = UNetFineTuning.run(m.unet(), m.vae(), m.prompts(), Sd15.scheduler(), o, (s, t, r, sps) -> { });
            assertTrue(h.ema() != null);
            // the saved U-Net is the EMA, which the live weights were set to
            try (UNet2DConditionModel saved = UNet2DConditionModel.load(out.resolve("unet"))) {
                String k = "conv_out.bias";
                assertEquals(h.ema().weights().get(k), saved.params().array(k));
            }
        }
        assertTrue(Files.isRegularFile(out.resolve("latent-cache.safetensors")));
        try (Models m = tiny()) { // the cache the run left holds every image: a second run encodes none
            LatentCache again = LatentCache.build(ImageFolderData.open(data, o.images().prompt()), m.vae(),
                    o.images().resolution(), o.images().flip(), out.resolve("latent-cache.safetensors"));
            assertEquals(0, again.encoded());
        }
    }

    @Test
    void lossDecreasesOverAShortRun() {
        try (Models m = tiny()) {
            TrainingLoop.History h = UNetFineTuning.run(m.unet(), m.vae(), m.prompts(), Sd15.scheduler(),
                    UNetFineTuning.Options.builder(data, dir.resolve("run-c")).resolution(64).batch(2).training(t -> t.steps(40).lr(1e-3)).build(), (s, t, r, sps) -> { });
            double first = h.losses().subList(0, 10).stream().mapToDouble(d -> d).average().orElseThrow();
            double last = h.losses().subList(30, 40).stream().mapToDouble(d -> d).average().orElseThrow();
            assertTrue(last < first, "loss did not decrease: first-10 mean " + first + ", last-10 mean " + last);
        }
    }

    /** ᾱ_t of SD1.5's scaled_linear schedule, computed here from its definition in double precision. */
    private static double sd15AlphaBar(int t) {
        double a = 1;
        for (int i = 0; i <= t; i++) {
            double sqrtBeta = Math.sqrt(0.00085) + (Math.sqrt(0.012) - Math.sqrt(0.00085)) * i / 999.0;
            a *= 1 - sqrtBeta * sqrtBeta;
        }
        return a;
    }

    /** SD1.5's schedule with v-prediction (the toy zoo's). */
    private static dev.udadiffusion.diffusion.schedulers.SchedulerConfig vPrediction() {
        var n = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("num_train_timesteps", 1000)
                .put("beta_start", 0.00085).put("beta_end", 0.012).put("beta_schedule", "scaled_linear")
                .put("prediction_type", "v_prediction");
        return dev.udadiffusion.core.config.Configs.read(n, dev.udadiffusion.diffusion.schedulers.SchedulerConfig.class, "v");
    }

    @Test
    void minSnrWeightsAreDiffusersSnrGamma() {
        var eps = new dev.udadiffusion.diffusion.schedulers.DDPMScheduler(Sd15.scheduler());
        var v = new dev.udadiffusion.diffusion.schedulers.DDPMScheduler(vPrediction());
        int[] ts = {0, 20, 150, 500, 999};
        org.nd4j.linalg.api.ndarray.INDArray t = org.nd4j.linalg.factory.Nd4j.createFromArray(0f, 20f, 150f, 500f, 999f);
        float[] we = NoiseBatch.minSnrWeights(eps, t, 5.0);
        float[] wv = NoiseBatch.minSnrWeights(v, t, 5.0);
        for (int i = 0; i < ts.length; i++) {
            double a = sd15AlphaBar(ts[i]);
            double snr = a / (1 - a);
            assertEquals(Math.min(snr, 5) / snr, we[i], 1e-4 * we[i], "epsilon, t " + ts[i]);
            assertEquals(Math.min(snr, 5) / (snr + 1), wv[i], 1e-4 * wv[i], "v, t " + ts[i]);
        }
        // low noise (SNR ≫ γ) is down-weighted; high noise keeps ε-weight 1 and gets v-weight SNR/(SNR+1) < 1
        assertTrue(we[0] < 0.01 && we[4] == 1f && wv[4] < 0.01, java.util.Arrays.toString(we) + " " + java.util.Arrays.toString(wv));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> UNetFineTuning.Options.builder(data, dir).snrGamma(-1).build());
    }

    @Test
    void snrGammaWeightsTheTrainingLoss() {
        UNetFineTuning.Options base = UNetFineTuning.Options.builder(data, dir.resolve("snr-off")).resolution(64).batch(2).training(t -> t.steps(2).lr(1e-3)).build();
        List<Double> plain;
        List<Double> huge;
        List<Double> vPlain;
        List<Double> five;
        try (Models m = tiny()) {
            plain = UNetFineTuning.run(m.unet(), m.vae(), m.prompts(), Sd15.scheduler(), base, (s, t, r, sps) -> { }).losses();
        }
        try (Models m = tiny()) {
            vPlain = UNetFineTuning.run(m.unet(), m.vae(), m.prompts(), vPrediction(),
                    UNetFineTuning.Options.builder(data, dir.resolve("snr-v-off")).resolution(64).batch(2).training(t -> t.steps(2).lr(1e-3)).build(), (s, t, r, sps) -> { })
                    .losses();
        }
        try (Models m = tiny()) { // ε-prediction with γ beyond every SNR: every weight is 1, the same draws, the same loss
            huge = UNetFineTuning.run(m.unet(), m.vae(), m.prompts(), Sd15.scheduler(),
                    UNetFineTuning.Options.builder(data, dir.resolve("snr-huge")).resolution(64).batch(2).training(t -> t.steps(2).lr(1e-3)).snrGamma(1e9).build(),
                    (s, t, r, sps) -> { }).losses();
        }
        try (Models m = tiny()) { // v-prediction: every weight min(SNR, 5)/(SNR + 1) is below 1, whatever t was drawn
            five = UNetFineTuning.run(m.unet(), m.vae(), m.prompts(), vPrediction(),
                    UNetFineTuning.Options.builder(data, dir.resolve("snr-5")).resolution(64).batch(2).training(t -> t.steps(2).lr(1e-3)).snrGamma(5).build(),
                    (s, t, r, sps) -> { }).losses();
        }
        assertEquals(plain.get(0), huge.get(0), 1e-5 * plain.get(0));
        assertTrue(five.get(0) < 0.999 * vPlain.get(0), "γ 5 left the loss unweighted: " + five + " vs " + vPlain);
    }

    @Test
    void weightedLossIsTheMeanOfWeightedSquaredErrors() {
        try (Models m = tiny()) {
            TrainingGraph plain = UNetTraining.graph(m.unet(), 8, 8, k -> true);
            TrainingGraph weighted = UNetTraining.weightedGraph(m.unet(), 8, 8, k -> true);
            org.nd4j.linalg.api.ndarray.INDArray noisy = new dev.udadiffusion.core.random.Rng(1).gaussian(2, 4, 8, 8);
            org.nd4j.linalg.api.ndarray.INDArray target = new dev.udadiffusion.core.random.Rng(2).gaussian(2, 4, 8, 8);
            org.nd4j.linalg.api.ndarray.INDArray ctx = m.prompts().encode(java.util.List.of("a", "b"), 0);
            org.nd4j.linalg.api.ndarray.INDArray t = org.nd4j.linalg.factory.Nd4j.createFromArray(10f, 500f);
            java.util.Map<String, org.nd4j.linalg.api.ndarray.INDArray> feeds = new java.util.HashMap<>(java.util.Map.of(
                    UNetTraining.NOISY, noisy, UNetTraining.TARGET, target, UNet2DConditionModel.CONTEXT, ctx,
                    UNet2DConditionModel.TIMESTEPS, t));
            double all = plain.sd().output(feeds, UNetTraining.LOSS).get(UNetTraining.LOSS).getDouble(0);
            feeds.put(UNetTraining.LOSS_WEIGHT, org.nd4j.linalg.factory.Nd4j.ones(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 1, 1, 1));
            assertEquals(all, weighted.sd().output(feeds, UNetTraining.LOSS).get(UNetTraining.LOSS).getDouble(0), 1e-6 * all);
            // weights (2, 0) over a batch of 2: exactly the first sample's MSE (its own batch of one)
            feeds.put(UNetTraining.LOSS_WEIGHT, org.nd4j.linalg.factory.Nd4j.createFromArray(2f, 0f).reshape(2, 1, 1, 1));
            double first = weighted.sd().output(feeds, UNetTraining.LOSS).get(UNetTraining.LOSS).getDouble(0);
            java.util.Map<String, org.nd4j.linalg.api.ndarray.INDArray> one = java.util.Map.of(
                    UNetTraining.NOISY, noisy.slice(0).reshape(1, 4, 8, 8), UNetTraining.TARGET, target.slice(0).reshape(1, 4, 8, 8),
                    UNet2DConditionModel.CONTEXT, ctx.slice(0).reshape(1, ctx.size(1), ctx.size(2)),
                    UNet2DConditionModel.TIMESTEPS, org.nd4j.linalg.factory.Nd4j.createFromArray(10f));
            assertEquals(plain.sd().output(one, UNetTraining.LOSS).get(UNetTraining.LOSS).getDouble(0), first, 1e-5 * first);
        }
    }

    @Test
    void priorPreservationGeneratesMissingClassImagesAndTrains() throws Exception {
        Path classes = Files.createDirectories(dir.resolve("class-images"));
        Path out = dir.resolve("run-prior");
        try (Models m = tiny()) {
            UNetFineTuning.Options o = UNetFineTuning.Options.builder(data, out).resolution(64).batch(1).training(t -> t.steps(2).lr(1e-4))
                    .prior(new UNetFineTuning.Prior(classes, "a street", 1.0, 2, 2)).build();
            TrainingLoop.History h = UNetFineTuning.run(m.unet(), m.vae(), m.prompts(), Sd15.scheduler(), o, (s, t, r, sps) -> { });
            assertEquals(2, h.losses().size());
            assertTrue(h.losses().stream().allMatch(l -> Double.isFinite(l) && l > 0), h.losses().toString());
            assertTrue(Files.isRegularFile(classes.resolve("class-00000.png")) && Files.isRegularFile(classes.resolve("class-00001.png")));
            // enough class images now: none is generated again (a marker image put in one's place survives)
            BufferedImage marker = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
            marker.setRGB(3, 5, 0x00ff00);
            Images.write(marker, classes.resolve("class-00001.png"));
            byte[] markerBytes = Files.readAllBytes(classes.resolve("class-00001.png"));
            UNetBatches.ensureClassImages(o.prior(), m.unet(), m.vae(), m.prompts(), Sd15.scheduler(), 64, 0);
            assertArrayEquals(markerBytes, Files.readAllBytes(classes.resolve("class-00001.png")));
            try (var s = Files.list(classes)) {
                assertEquals(2, s.count());
            }
        }
    }
}
