package dev.udadiffusion.cli;

import dev.udadiffusion.core.image.LossPlot;
import dev.udadiffusion.core.train.TrainingLoop;
import dev.udadiffusion.diffusion.clip.PromptEncoder;
import dev.udadiffusion.diffusion.pipeline.StableDiffusion;
import dev.udadiffusion.diffusion.train.UNetFineTuning;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code udadiff train-unet}: DreamBooth-style domain fine-tuning of the U-Net (thesis §3.4). */
@Command(name = "train-unet", mixinStandardHelpOptions = true,
        description = {"Fine-tune the U-Net of a Stable Diffusion model on a folder of domain images (DreamBooth style: "
                + "fixed, possibly empty prompt; text encoder and VAE frozen). Writes OUT/unet/ (a diffusers U-Net folder, "
                + "usable with generate --unet), checkpoints, loss.csv and loss.png."})
final class TrainUNetCommand implements Callable<Integer> {

    @Mixin
    TrainOptions t;

    @Option(names = "--instance-data", required = true, description = "folder of training images (captions: metadata.jsonl or NAME.txt)")
    Path data;

    @Option(names = "--instance-prompt", defaultValue = "", description = "prompt for images without a caption (default: empty)")
    String prompt;

    @Range(min = 1, max = 100_000_000)
    @Option(names = "--steps", defaultValue = "400", description = "optimiser steps (default: ${DEFAULT-VALUE})")
    long steps;

    @Range(min = 0, minExclusive = true, max = 1)
    @Option(names = "--lr", defaultValue = "2e-6", description = "learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--center-crop", description = "centre instead of random crops")
    boolean centerCrop;

    @Option(names = "--no-flip", description = "no random horizontal flips")
    boolean noFlip;

    @Range(min = 0, max = 0.999999)
    @Option(names = "--ema-decay", defaultValue = "0", description = "keep an EMA of the weights and save it (e.g. 0.9999; 0 = off)")
    double emaDecay;

    @Range(min = 0, max = 1000)
    @Option(names = "--snr-gamma", defaultValue = "0", description = "Min-SNR-γ loss weighting as diffusers' --snr_gamma "
            + "(5.0 recommended; 0 = off, plain mse)")
    double snrGamma;

    @Option(names = "--cache-latents", description = "encode every image once (centre crop) and cache the latents in OUT")
    boolean cacheLatents;

    @Option(names = "--class-data", description = "prior preservation: folder of class images (missing ones are generated first)")
    Path classData;

    @Option(names = "--class-prompt", defaultValue = "", description = "prompt of the class images (default: empty)")
    String classPrompt;

    @Range(min = 0, max = 1000)
    @Option(names = "--prior-loss-weight", defaultValue = "1.0", description = "weight λ of the class loss (default: ${DEFAULT-VALUE})")
    double priorWeight;

    @Range(min = 0, max = 1_000_000)
    @Option(names = "--num-class-images", defaultValue = "100", description = "class images to have (default: ${DEFAULT-VALUE})")
    int numClassImages;

    @Range(min = 1, max = 1000)
    @Option(names = "--class-steps", defaultValue = "50", description = "denoising steps when generating class images (default: ${DEFAULT-VALUE})")
    int classSteps;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        try (StableDiffusion sd = StableDiffusion.load(t.model, StableDiffusion.Options.defaults().withTokenizer(t.tokenizer))) {
            UNetFineTuning.Options opts = UNetFineTuning.Options.builder(data, t.out).prompt(prompt).resolution(t.resolution)
                    .batch(t.batch).centerCrop(centerCrop).flip(!noFlip).emptyPromptProb(t.emptyPromptProb)
                    .training(t.settings(steps, lr, emaDecay)).cacheLatents(cacheLatents).snrGamma(snrGamma)
                    .prior(classData == null ? null
                            : new UNetFineTuning.Prior(classData, classPrompt, priorWeight, numClassImages, classSteps))
                    .build();
            if (classData != null) {
                o.printf("prior preservation: %d class images in %s (missing ones are generated first), weight %s%n",
                        numClassImages, classData, priorWeight);
                o.flush();
            }
            TrainingLoop.History h = UNetFineTuning.run(sd.unet(), sd.vae(), new PromptEncoder(sd.tokenizer(), sd.textModel()),
                    sd.schedulerConfig(), opts, new TrainListener(o, t.logEvery));
            o.println();
            LossPlot.fromCsv(t.out.resolve("loss.csv"), t.out.resolve("loss.png"), "U-Net fine-tuning loss");
            o.printf("trained %d steps; U-Net in %s, loss curve in %s%n", h.losses().size(), t.out.resolve("unet"),
                    t.out.resolve("loss.png"));
            o.flush();
            return 0;
        }
    }
}
