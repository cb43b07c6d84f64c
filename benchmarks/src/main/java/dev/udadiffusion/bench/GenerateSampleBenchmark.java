package dev.udadiffusion.bench;

import dev.udadiffusion.controlnet.ControlNetConfig;
import dev.udadiffusion.controlnet.ControlNetModel;
import dev.udadiffusion.controlnet.generate.LabeledDatasetGenerator;
import dev.udadiffusion.controlnet.generate.LabeledDatasetOptions;
import dev.udadiffusion.controlnet.generate.SmallComponentsRefinement;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.toyworld.ToyWorld;
import dev.udadiffusion.diffusion.clip.CLIPTextConfig;
import dev.udadiffusion.diffusion.clip.CLIPTextModel;
import dev.udadiffusion.diffusion.clip.CLIPTokenizer;
import dev.udadiffusion.diffusion.clip.PromptEncoder;
import dev.udadiffusion.diffusion.pipeline.Sd15;
import dev.udadiffusion.diffusion.pipeline.StableDiffusionPipeline;
import dev.udadiffusion.diffusion.schedulers.DDIMScheduler;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import dev.udadiffusion.diffusion.vae.AutoencoderKL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What one generated labeled sample costs at the thesis's setting, end to end through {@link LabeledDatasetGenerator}:
 * SD1.5-size U-Net, mask ControlNet, VAE and CLIP ViT-L (random weights — the cost does not depend on them), one
 * toy-world mask resized to 512×512, DDIM 20 steps with guidance 7.5; optionally Small Components Refinement with up
 * to N refinements (each is a full generation). Prints wall time per sample and peak RSS.
 *
 * <p>HOW TO RUN (after {@code mvn -q -B install -DskipTests}; about 10 minutes per sample on 2 cores):
 * <pre>
 * OMP_NUM_THREADS=2 java -Xmx3g -Dorg.bytedeco.javacpp.maxbytes=20G -Dorg.bytedeco.javacpp.maxphysicalbytes=22G \
 *      -cp benchmarks/target/benchmarks.jar dev.udadiffusion.bench.GenerateSampleBenchmark \
 *      testdata/reference/clip_tokenizer [--steps 20] [--scr-max 0]
 * </pre>
 */
public final class GenerateSampleBenchmark {

    private GenerateSampleBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path tokDir = Path.of(args.length > 0 ? args[0] : "testdata/reference/clip_tokenizer");
        int steps = 20;
        int scrMax = 0;
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--steps" -> steps = Integer.parseInt(args[i + 1]);
                case "--scr-max" -> scrMax = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path tmp = Files.createTempDirectory("gen-bench");
        Datasets.Listing masks = Datasets.gta5(new ToyWorld(1024, 512, 0).write(tmp.resolve("toy"),
                new ToyWorld.Counts(1, 1, 1), null).source(), Datasets.Policy.ERROR, true);
        long t0 = System.nanoTime();
        try (UNet2DConditionModel unet = UNet2DConditionModel.random(UNetStepBenchmark.sd15(), 1);
                ControlNetModel cn = ControlNetModel.fromUnet(unet, ControlNetConfig.fromUnet(unet.config(), 20,
                        List.of(16, 32, 96, 256)), 2);
                AutoencoderKL vae = AutoencoderKL.random(VaeDecodeBenchmark.sd15(), 3);
                CLIPTextModel clip = CLIPTextModel.random(CLIPTextConfig.vitL14(), 4)) {
            System.out.printf("built U-Net, ControlNet, VAE and CLIP in %.1f s, RSS %d MB%n", (System.nanoTime() - t0) / 1e9,
                    ProcessMemory.rssMb());
            StableDiffusionPipeline pipe = new StableDiffusionPipeline(new PromptEncoder(CLIPTokenizer.load(tokDir), clip),
                    unet, vae, () -> new DDIMScheduler(Sd15.scheduler()));
            LabeledDatasetOptions o = LabeledDatasetOptions.builder(1).steps(steps).rcs(0, 3000)
                    .scr(scrMax > 0 ? new SmallComponentsRefinement.Options(3000, scrMax, 3.0, 2) : null)
                    .output("train", "bench").build();
            long s = System.nanoTime();
            LabeledDatasetGenerator.Report r = LabeledDatasetGenerator.run(pipe, cn, masks, tmp.resolve("out"), o,
                    Map.of("unet", "random-sd15"), null);
            System.out.printf("one 512x512 labeled sample, DDIM %d steps, CFG 7.5%s: %.1f s, RSS %d MB, peak %d MB%n", steps,
                    scrMax > 0 ? ", SCR " + r.refinements() + " refinements" : "", (System.nanoTime() - s) / 1e9,
                    ProcessMemory.rssMb(), ProcessMemory.peakMb());
        }
    }
}
