package dev.udadiffusion.cli;

import dev.udadiffusion.controlnet.ControlNetModel;
import dev.udadiffusion.controlnet.generate.LabeledDatasetGenerator;
import dev.udadiffusion.controlnet.generate.LabeledDatasetOptions;
import dev.udadiffusion.controlnet.generate.SmallComponentsRefinement;
import dev.udadiffusion.core.io.Fingerprints;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.diffusion.pipeline.StableDiffusion;
import dev.udadiffusion.diffusion.pipeline.StableDiffusionPipeline;
import dev.udadiffusion.diffusion.schedulers.Schedulers;
import dev.udadiffusion.segformer.SegformerModel;
import dev.udadiffusion.segformer.eval.Evaluator;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code udadiff generate-dataset}: the thesis's labeled-data generator (U-Net swap, RCS, SCR). */
@Command(name = "generate-dataset", mixinStandardHelpOptions = true,
        description = {"Generate a labeled dataset from source masks: each sample's mask is drawn with Rare Class "
                + "Sampling, the prompt is its class names, the image comes from the ControlNet with the --unet U-Net "
                + "(the target-domain U-Net: U-Net swap), small components are refined (SCR). Writes the Cityscapes "
                + "layout (OUT/leftImg8bit/train/generated, OUT/gtFine/…), manifest.jsonl, generation.json and "
                + "samples_grid.png; an interrupted run continues where it stopped."})
final class GenerateDatasetCommand implements Callable<Integer> {

    @Option(names = "--source-labels", required = true, description = "source dataset root whose labels are the masks (GTA5 or Cityscapes layout)")
    String sourceLabels;

    @CommandLine.Mixin
    LayoutOptions layout;

    @Option(names = "--model", required = true, description = "base SD folder or single file (VAE, text encoder, tokenizer, scheduler)")
    String model;

    @Option(names = "--tokenizer", description = "tokenizer folder (needed with a single-file checkpoint)")
    String tokenizer;

    @Option(names = "--unet", description = "the U-Net to generate with (U-Net swap; default: the model's)")
    String unet;

    @Option(names = "--controlnet", required = true, description = "mask ControlNet folder (trained next to the source U-Net)")
    String controlnet;

    @Range(min = 1, max = 10_000_000)
    @Option(names = "--count", required = true, description = "samples to generate")
    int count;

    @Range(min = 0, max = 100)
    @Option(names = "--rcs", defaultValue = "0.01", description = "Rare Class Sampling temperature, 0 = masks in order (default: ${DEFAULT-VALUE})")
    double rcs;

    @Range(min = 0)
    @Option(names = "--rcs-min-pixels", defaultValue = "3000", description = "pixels of a class a mask needs to be drawn for it (default: ${DEFAULT-VALUE})")
    long rcsMinPixels;

    @Range(min = 0)
    @Option(names = "--scr", defaultValue = "3000", description = "SCR area threshold at 512x512 (scaled with the image area), 0 = off (default: ${DEFAULT-VALUE})")
    long scr;

    @Range(min = 0, max = 10_000)
    @Option(names = "--scr-max", defaultValue = "20", description = "at most this many refinements per image (default: ${DEFAULT-VALUE})")
    int scrMax;

    @Option(names = "--scr-accept", description = "SegFormer folder: keep a refinement only when this segmenter's IoU on the component improves")
    Path scrAccept;

    @Range(min = 1, max = 1000)
    @Option(names = "--steps", defaultValue = "20", description = "denoising steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Range(min = 0, max = 100)
    @Option(names = "--guidance", defaultValue = "7.5", description = "classifier-free guidance scale (default: ${DEFAULT-VALUE})")
    double guidance;

    @Range(min = 0, max = 100)
    @Option(names = "--control-scale", defaultValue = "1.0", description = "ControlNet conditioning scale (default: ${DEFAULT-VALUE})")
    double controlScale;

    @Option(names = "--guess-mode", description = "diffusers' guess mode: residuals weighted from 0.1 (outer) to 1 (middle) and, "
            + "with --guidance above 1, the ControlNet on the conditional half only, so guidance amplifies the control")
    boolean guessMode;

    @Option(names = "--scheduler", defaultValue = "ddim", description = "scheduler (default: ${DEFAULT-VALUE})")
    String scheduler;

    @Option(names = "--size", defaultValue = "512x512", description = "generation size WxH, multiples of 8; masks are resized with nearest neighbour (default: ${DEFAULT-VALUE})")
    String size;

    @Range(min = 1, max = 64)
    @Option(names = "--batch", defaultValue = "1", description = "samples denoised together (default: ${DEFAULT-VALUE})")
    int batch;

    @Range
    @Option(names = "--seed", defaultValue = "0", description = "seed of mask choice and noise (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--prompt", description = "one fixed prompt for every sample (default: the class names in each mask, "
            + "as the thesis; the toy zoo uses --prompt \"\")")
    String prompt;

    @Option(names = {"-o", "--out"}, required = true, description = "output root (Cityscapes layout)")
    Path out;

    @Option(names = "--spark", paramLabel = "MASTER", description = "generate with Apache Spark: local[N], spark://HOST:PORT, "
            + "or 'submit' under spark-submit (its --master); the result is byte for byte the single-machine one; inputs may "
            + "be hdfs:// or s3a:// URIs, the output a folder all executors share (spark/README.md)")
    String spark;

    @Range(min = 0, max = 1_000_000)
    @Option(names = "--partitions", defaultValue = "0", description = "with --spark: partitions, each whole batch groups "
            + "(default: 4 per core of the cluster)")
    int partitions;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        int[] wh = CliArgs.pair(spec, size, "x", "--size");
        if (wh[0] % 8 != 0 || wh[1] % 8 != 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--size " + size + ": both sides must be multiples "
                    + "of 8 (the VAE's factor)");
        }
        LabeledDatasetOptions opts = LabeledDatasetOptions.builder(count).seed(seed).sampling(new LabeledDatasetOptions.Sampling(
                wh[0], wh[1], steps, guidance, controlScale, prompt, guessMode)).rcs(rcs, rcsMinPixels)
                .scr(scr > 0 ? new SmallComponentsRefinement.Options(scr, scrMax, 3.0, 2) : null).batch(batch).build();
        if (spark != null) {
            if (scrAccept != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--scr-accept is not available with --spark "
                        + "(each task would need the segmenter too); run without it, or on one machine");
            }
            return SparkGeneration.run(this, opts, o);
        }
        Path sourceLabels = Path.of(this.sourceLabels);
        Path model = Path.of(this.model);
        Path tokenizer = this.tokenizer == null ? null : Path.of(this.tokenizer);
        Path unet = this.unet == null ? null : Path.of(this.unet);
        Path controlnet = Path.of(this.controlnet);
        Datasets.Listing masks = layout.open(sourceLabels, Datasets.Policy.ERROR, false, "train");
        o.printf("masks: %s, %d label maps%n", masks.name(), masks.samples().size());
        StableDiffusion.Options so = StableDiffusion.Options.defaults().withTokenizer(tokenizer).withUnet(unet);
        try (StableDiffusion sd = StableDiffusion.load(model, so); ControlNetModel cn = ControlNetModel.load(controlnet);
                SegformerModel judge = scrAccept == null ? null : SegformerModel.load(scrAccept)) {
            SmallComponentsRefinement.Acceptor acceptor = judge == null ? null : new SegmenterAcceptor(judge);
            StableDiffusionPipeline pipe = sd.pipeline(Schedulers.resolve(scheduler));
            try {
                pipe.checkSize(wh[0], wh[1]);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--size " + e.getMessage());
            }
            o.println("fingerprinting the U-Net and ControlNet weights (SHA-256) for the manifest");
            o.flush();
            Map<String, String> models = LabeledDatasetGenerator.modelRecord(model, unet, controlnet);
            Progress bar = new Progress(o, "generate", count);
            LabeledDatasetGenerator.Report r = LabeledDatasetGenerator.run(pipe, cn, masks, out, opts, models,
                    (done, total, id, prompt) -> bar.update(done, id), acceptor);
            bar.finish();
            o.printf("wrote %d samples (%d already there) to %s; SCR refinements: %d%n", r.written(), r.resumed(), out,
                    r.refinements());
            o.println("Rare Class Sampling: times each class was drawn");
            o.print(LabeledDatasetGenerator.timesSampledTable(r.timesSampled()));
            o.printf("manifest %s, grid %s%n", r.manifest(), out.resolve("samples_grid.png"));
            o.flush();
            return 0;
        }
    }

    /**
     * Keeps a refinement when the segmenter's IoU on the component improves. "before" is usually the image the
     * previous call returned as "after", so that prediction is reused instead of segmenting the same image twice.
     */
    private static final class SegmenterAcceptor implements SmallComponentsRefinement.Acceptor {
        private static final Evaluator.Options NATIVE = new Evaluator.Options(0, 0, 0, 0, null);
        private final SegformerModel judge;
        private BufferedImage lastImage;
        private int[][] lastPrediction;

        SegmenterAcceptor(SegformerModel judge) {
            this.judge = judge;
        }

        @Override
        public boolean accept(BufferedImage before, BufferedImage after,
                SmallComponentsRefinement.Crop crop, int[][] mask) {
            int[][] pb = before == lastImage ? lastPrediction : Evaluator.predict(judge, before, NATIVE);
            int[][] pa = Evaluator.predict(judge, after, NATIVE);
            boolean better = SmallComponentsRefinement.componentIoU(pa, mask, crop)
                    > SmallComponentsRefinement.componentIoU(pb, mask, crop);
            // an accepted "after" is the next call's "before"; a rejected one leaves "before" current
            lastImage = better ? after : before;
            lastPrediction = better ? pa : pb;
            return better;
        }
    }
}
