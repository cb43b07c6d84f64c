package dev.udadiffusion.cli;

import dev.udadiffusion.segformer.SegformerConfig;
import dev.udadiffusion.segformer.SegformerModel;
import dev.udadiffusion.segformer.train.SegformerTraining;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The SegFormer training recipe's options, shared by {@code segformer train} and {@code segformer adapt} (a picocli mixin). */
final class SegformerRecipeOptions {
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

    /** DAFormer's recipe with these options (checked against each other first). */
    SegformerTraining.Options options(CommandLine.Model.CommandSpec spec) {
        int[] rs = resize.equals("none") ? new int[] {0, 0} : CliArgs.pair(spec, resize, "x", "--resize");
        if (rs[0] > 0 && crop > Math.min(rs[0], rs[1])) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--crop " + crop + ": larger than the "
                    + "resized images' shorter side (--resize " + resize + ")");
        }
        if (model != null && spec.commandLine().getParseResult().hasMatchedOption("--preset")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--preset " + preset + ": not with --model, "
                    + "whose config.json sets the architecture");
        }
        return SegformerTraining.Options.daformer(out)
                .withCrops(new SegformerTraining.Options.Crops(crop, rs[0], rs[1], catMaxRatio))
                .withBatch(batch)
                .withTraining(t -> t.steps(steps).lr(lr).weightDecay(weightDecay).warmup(warmup).seed(seed)
                        .checkpointEvery(checkpointEvery).keepCheckpoints(keep).logEvery(logEvery).resume(resume))
                .withRcs(new SegformerTraining.Options.Rcs(rcsT, rcsMinPixels));
    }

    /** The model to train: --model, or the --preset encoder from --backbone, or a random --preset. */
    SegformerModel openModel(CommandLine.Model.CommandSpec spec) {
        SegformerConfig presetConfig = SegformerConfig.preset("mit-" + preset.toLowerCase(Locale.ROOT));
        return model != null ? SegformerModel.load(model)
                : backbone != null ? SegformerModel.loadBackbone(presetConfig, backbone)
                : SegformerModel.random(presetConfig, seed);
    }
}
