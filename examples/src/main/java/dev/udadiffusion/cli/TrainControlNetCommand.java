package dev.udadiffusion.cli;

import dev.udadiffusion.controlnet.ControlNetConfig;
import dev.udadiffusion.controlnet.ControlNetModel;
import dev.udadiffusion.controlnet.SegmentationConditioning;
import dev.udadiffusion.controlnet.train.ControlNetFineTuning;
import dev.udadiffusion.controlnet.train.MaskedImageData;
import dev.udadiffusion.core.image.LossPlot;
import dev.udadiffusion.core.train.TrainingLoop;
import dev.udadiffusion.diffusion.clip.PromptEncoder;
import dev.udadiffusion.diffusion.pipeline.StableDiffusion;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code udadiff train-controlnet}: mask-conditioned ControlNet with the (source) U-Net frozen. */
@Command(name = "train-controlnet", mixinStandardHelpOptions = true,
        description = {"Train a ControlNet on image + mask pairs (DATA/images + DATA/labels trainIds, or a Cityscapes/GTA5 root with --layout) with the U-Net frozen "
                + "(--unet: the thesis's source-domain U-Net). Prompts are the classes present in each crop. Writes "
                + "OUT/controlnet/ (a diffusers ControlNet folder), checkpoints, loss.csv and loss.png."})
final class TrainControlNetCommand implements Callable<Integer> {

    @Mixin
    TrainOptions t;

    @Option(names = "--data", required = true,
            description = "dataset root: a folder with images/ and labels/ (trainId PNGs), or a Cityscapes/GTA5 root (--layout)")
    Path data;

    @Option(names = "--layout", defaultValue = "folder",
            description = "layout of --data: folder, cityscapes (leftImg8bit/gtFine) or gta5 (labelIds mapped to trainIds) "
                    + "(default: ${DEFAULT-VALUE})")
    String layout;

    @Option(names = "--split", defaultValue = "train", description = "Cityscapes split (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--unknown-ids-to-ignore", description = "with --layout cityscapes or gta5: read label ids outside "
            + "the layout's table as ignore (255) instead of stopping with an error naming the file, pixel and value")
    boolean unknownToIgnore;

    @Option(names = "--unet", description = "frozen U-Net to train against (default: the model's)")
    Path unet;

    @Option(names = "--controlnet", description = "ControlNet folder to continue from (default: a copy of the U-Net encoder)")
    Path controlnet;

    @Range(min = 1, max = 100_000_000)
    @Option(names = "--steps", defaultValue = "1000", description = "optimiser steps (default: ${DEFAULT-VALUE})")
    long steps;

    @Range(min = 0, minExclusive = true, max = 1)
    @Option(names = "--lr", defaultValue = "1e-5", description = "learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--lightweight", description = "train only the zero convolutions (thesis §5.1)")
    boolean lightweight;

    @Option(names = "--embedding-channels", split = ",", defaultValue = "16,32,96,256",
            description = "conditioning embedding widths for a new ControlNet (default: ${DEFAULT-VALUE})")
    List<Integer> embeddingChannels;

    @Range(min = 0, max = 100)
    @Option(names = "--rcs", defaultValue = "0", description = "Rare Class Sampling temperature of the training pairs, 0 = uniform (thesis: 0.01; default: ${DEFAULT-VALUE})")
    double rcs;

    @Range(min = 0)
    @Option(names = "--rcs-min-pixels", defaultValue = "3000", description = "pixels of a class a pair needs to be drawn for it (default: ${DEFAULT-VALUE})")
    long rcsMinPixels;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter o = spec.commandLine().getOut();
        MaskedImageData.Format f;
        try {
            f = MaskedImageData.Format.valueOf(layout.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--layout: '" + layout + "' is not one of folder, cityscapes, gta5");
        }
        // list (and validate) the data before loading any weights, so a bad dataset fails in a second
        MaskedImageData listing = MaskedImageData.open(data, f, split, unknownToIgnore);
        o.printf("data: %s, %d pairs%s%n", listing.name(), listing.size(),
                listing.skipped().isEmpty() ? "" : ", " + listing.skipped().size() + " skipped or repaired (first: "
                        + listing.skipped().get(0) + ")");
        StableDiffusion.Options so = StableDiffusion.Options.defaults().withTokenizer(t.tokenizer).withUnet(unet);
        try (StableDiffusion sd = StableDiffusion.load(t.model, so);
                ControlNetModel cn = controlnet != null ? ControlNetModel.load(controlnet)
                        : ControlNetModel.fromUnet(sd.unet(), ControlNetConfig.fromUnet(sd.unet().config(),
                                SegmentationConditioning.CHANNELS, embeddingChannels), t.seed)) {
            ControlNetFineTuning.Options opts = ControlNetFineTuning.Options.builder(data, t.out).data(data, f, split)
                    .unknownToIgnore(unknownToIgnore)
                    .resolution(t.resolution).batch(t.batch).training(t.settings(steps, lr, 0))
                    .emptyPromptProb(t.emptyPromptProb).lightweight(lightweight).rcs(rcs, rcsMinPixels).build();
            TrainingLoop.History h = ControlNetFineTuning.run(cn, sd.unet(), sd.vae(),
                    new PromptEncoder(sd.tokenizer(), sd.textModel()), sd.schedulerConfig(), opts,
                    new TrainListener(o, t.logEvery));
            o.println();
            LossPlot.fromCsv(t.out.resolve("loss.csv"), t.out.resolve("loss.png"), "ControlNet training loss");
            o.printf("trained %d steps; ControlNet in %s, loss curve in %s%n", h.losses().size(),
                    t.out.resolve("controlnet"), t.out.resolve("loss.png"));
            if (rcs > 0) {
                o.println("Rare Class Sampling: times each class was drawn (" + t.out.resolve("rcs_times_sampled.json") + ")");
                o.print(new String(Files.readAllBytes(t.out.resolve("rcs_times_sampled.json")),
                        StandardCharsets.UTF_8));
                o.println();
            }
            o.flush();
            return 0;
        }
    }
}
