package dev.udadiffusion.cli;

import dev.udadiffusion.core.image.LossPlot;
import dev.udadiffusion.core.train.TrainingLoop;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.segformer.SegformerConfig;
import dev.udadiffusion.segformer.SegformerModel;
import dev.udadiffusion.segformer.eval.ConfusionMatrix;
import dev.udadiffusion.segformer.eval.Evaluator;
import dev.udadiffusion.segformer.eval.IoUReport;
import dev.udadiffusion.segformer.train.SegformerTraining;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code udadiff segformer ...}: the segmentation side of the closed loop. */
@Command(name = "segformer", mixinStandardHelpOptions = true, description = "SegFormer training and evaluation.",
        subcommands = {SegformerCommand.Train.class, SegformerCommand.Eval.class})
final class SegformerCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = {"Train a SegFormer on a labeled set (Cityscapes or GTA5 layout, e.g. a generated set) with "
                    + "DAFormer's schedule: AdamW, head lr x10, linear warmup then poly decay, random resized crops, "
                    + "flips, photometric jitter, Rare Class Sampling. Writes OUT/segformer (a transformers folder), "
                    + "checkpoints, loss.csv and loss.png; --resume continues exactly."})
    static final class Train implements Callable<Integer> {
        @Option(names = "--data", required = true, description = "Cityscapes or GTA5 root")
        Path data;

        @CommandLine.Mixin
        LayoutOptions layout;

        @Option(names = "--model", description = "transformers SegFormer folder to start from")
        Path model;

        @Option(names = "--backbone", description = "ImageNet MiT weights (NVlabs mit_b*.safetensors or nvidia/mit-b* "
                + "model.safetensors) for the --preset encoder; the decode head starts fresh (how DAFormer starts)")
        Path backbone;

        @Option(names = "--preset", defaultValue = "b5",
                description = "MiT size b0…b5 (or toy, 0.4 M parameters for the toy world) for a randomly initialised model when --model is not given (default: ${DEFAULT-VALUE})")
        String preset;

        @Option(names = {"-o", "--out"}, required = true, description = "output folder")
        Path out;

        @Range(min = 32, max = 4096)
        @Option(names = "--crop", defaultValue = "512", description = "crop size (default: ${DEFAULT-VALUE})")
        int crop;

        @Range(min = 1, max = 256)
        @Option(names = "--batch", defaultValue = "2", description = "batch size (default: ${DEFAULT-VALUE})")
        int batch;

        @Range(min = 1, max = 1024)
        @Option(names = "--grad-accum", defaultValue = "1", description = "gradient accumulation (default: ${DEFAULT-VALUE})")
        int gradAccum;

        @Range(min = 1, max = 100_000_000)
        @Option(names = "--steps", defaultValue = "40000", description = "optimiser steps (default: ${DEFAULT-VALUE})")
        long steps;

        @Range(min = 0, minExclusive = true, max = 1)
        @Option(names = "--lr", defaultValue = "6e-5", description = "backbone learning rate; the head gets x10 (default: ${DEFAULT-VALUE})")
        double lr;

        @Range(min = 0)
        @Option(names = "--warmup", defaultValue = "1500", description = "linear warm-up steps (default: ${DEFAULT-VALUE})")
        long warmup;

        @Range(min = 0, max = 1)
        @Option(names = "--weight-decay", defaultValue = "0.01", description = "AdamW weight decay (default: ${DEFAULT-VALUE})")
        double weightDecay;

        @Option(names = "--resize", defaultValue = "1280x720",
                description = "keep-ratio resize before cropping, WxH or 'none' (DAFormer: 1280x720 for GTA5, 1024x512 for "
                        + "Cityscapes; default: ${DEFAULT-VALUE})")
        String resize;

        @Range(min = 0, minExclusive = true, max = 1)
        @Option(names = "--cat-max-ratio", defaultValue = "0.75",
                description = "re-crop while one class covers this share of a crop, 1 = off (default: ${DEFAULT-VALUE})")
        double catMaxRatio;

        @Range(min = 0, max = 1)
        @Option(names = "--jitter", defaultValue = "0", description = "photometric jitter strength, 0 = off (default: ${DEFAULT-VALUE})")
        double jitter;

        @Option(names = "--blur-noise", description = "random Gaussian blur and sensor noise (with --jitter: the photometric "
                + "augmentation of a fair source-only baseline)")
        boolean blurNoise;

        @Range(min = 0, max = 100)
        @Option(names = "--rcs-temperature", defaultValue = "0.01",
                description = "Rare Class Sampling temperature, 0 = sample images uniformly (default: ${DEFAULT-VALUE})")
        double rcsT;

        @Range(min = 0)
        @Option(names = "--rcs-min-pixels", defaultValue = "3000",
                description = "pixels of a class a file needs to be drawn for it (default: ${DEFAULT-VALUE})")
        long rcsMinPixels;

        @Range
        @Option(names = "--seed", defaultValue = "0", description = "seed of initialisation and sampling (default: ${DEFAULT-VALUE})")
        long seed;

        @Range(min = 0)
        @Option(names = "--checkpoint-every", defaultValue = "4000", description = "steps between checkpoints, 0 = none (default: ${DEFAULT-VALUE})")
        long checkpointEvery;

        @Range(min = 1, max = 10_000)
        @Option(names = "--keep", defaultValue = "2", description = "checkpoints to keep (default: ${DEFAULT-VALUE})")
        int keep;

        @Range(min = 1)
        @Option(names = "--log-every", defaultValue = "50", description = "steps between log lines (default: ${DEFAULT-VALUE})")
        long logEvery;

        @Option(names = "--resume", description = "continue from the newest checkpoint in --out")
        boolean resume;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter o = spec.commandLine().getOut();
            int[] rs = resize.equals("none") ? new int[] {0, 0} : CliArgs.pair(spec, resize, "x", "--resize");
            if (rs[0] > 0 && crop > Math.min(rs[0], rs[1])) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--crop " + crop + ": larger than the "
                        + "resized images' shorter side (--resize " + resize + ")");
            }
            if (model != null && spec.commandLine().getParseResult().hasMatchedOption("--preset")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--preset " + preset + ": not with --model, "
                        + "whose config.json sets the architecture");
            }
            Datasets.Listing set = layout.open(data, Datasets.Policy.ERROR, true, "train");
            o.printf("data: %s, %d images%n", set.name(), set.samples().size());
            SegformerConfig presetConfig = SegformerConfig.preset("mit-" + preset.toLowerCase(Locale.ROOT));
            try (SegformerModel m = model != null ? SegformerModel.load(model)
                    : backbone != null ? SegformerModel.loadBackbone(presetConfig, backbone)
                    : SegformerModel.random(presetConfig, seed)) {
                SegformerTraining.Options opts = SegformerTraining.Options.daformer(out)
                        .withCrops(new SegformerTraining.Options.Crops(crop, rs[0], rs[1], catMaxRatio)).withBatch(batch)
                        .withTraining(t -> t.steps(steps).gradAccum(gradAccum).lr(lr).weightDecay(weightDecay).warmup(warmup)
                                .seed(seed).checkpointEvery(checkpointEvery).keepCheckpoints(keep).logEvery(logEvery)
                                .resume(resume))
                        .withPhotometric(new SegformerTraining.Options.Photometric(jitter, blurNoise))
                        .withRcs(new SegformerTraining.Options.Rcs(rcsT, rcsMinPixels));
                TrainingLoop.History h = SegformerTraining.run(m, set, opts, new TrainListener(o, logEvery));
                o.println();
                LossPlot.fromCsv(out.resolve("loss.csv"), out.resolve("loss.png"), "SegFormer training loss");
                o.printf("trained %d steps; model in %s, loss curve in %s%n", h.losses().size(), out.resolve("segformer"),
                        out.resolve("loss.png"));
                o.flush();
                return 0;
            }
        }
    }

    @Command(name = "eval", mixinStandardHelpOptions = true,
            description = {"Per-class IoU and mIoU of a SegFormer on a labeled set, as DAFormer evaluates: images resized "
                    + "to --size, whole-image or sliding-window logits resized back to the label, confusion matrix over "
                    + "the whole set (255 ignored). Prints the table in the thesis's column order and writes "
                    + "OUT/iou.csv and OUT/iou.png."})
    static final class Eval implements Callable<Integer> {
        @Option(names = "--model", required = true, description = "transformers SegFormer folder (config.json + model.safetensors)")
        Path model;

        @Option(names = "--data", required = true, description = "Cityscapes or GTA5 root")
        Path data;

        @CommandLine.Mixin
        LayoutOptions layout;

        @Option(names = "--size", defaultValue = "1024x512",
                description = "test size WxH, or 'native' for the images' own size (default: ${DEFAULT-VALUE})")
        String size;

        @Option(names = "--slide", description = "sliding window WINDOW:STRIDE, e.g. 512:256 (default: whole image)")
        String slide;

        @Option(names = "--predictions", description = "also write ID_trainIds.png and ID_color.png here")
        Path predictions;

        @Option(names = "--out", defaultValue = "eval", description = "folder for iou.csv and iou.png (default: ${DEFAULT-VALUE})")
        Path out;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter o = spec.commandLine().getOut();
            int[] wh = size.equals("native") ? new int[] {0, 0} : CliArgs.pair(spec, size, "x", "--size");
            int[] ws = slide == null ? new int[] {0, 0} : CliArgs.pair(spec, slide, ":", "--slide");
            if (slide != null && (ws[1] > ws[0] || ws[1] <= 0)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--slide " + slide + ": need 0 < stride <= window");
            }
            Datasets.Listing set = layout.open(data, Datasets.Policy.ERROR, true, "val");
            o.printf("data: %s, %d images%n", set.name(), set.samples().size());
            try (SegformerModel m = SegformerModel.load(model)) {
                ConfusionMatrix cm = new ConsoleLog(o).evaluate("eval", m, set,
                        new Evaluator.Options(wh[0], wh[1], ws[0], ws[1], predictions));
                o.println(IoUReport.table(cm));
                IoUReport.write(cm, out, "iou", "IoU per class, " + set.name());
                o.printf("IoU table in %s, chart in %s%n", out.resolve("iou.csv"), out.resolve("iou.png"));
                o.flush();
                return 0;
            }
        }
    }
}
