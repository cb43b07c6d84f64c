package dev.udadiffusion.cli;

import dev.udadiffusion.core.train.TrainingSettings;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options shared by the training commands (a picocli mixin). */
final class TrainOptions {

    @Option(names = "--model", required = true, description = "base Stable Diffusion model (diffusers folder or single file)")
    Path model;

    @Option(names = "--tokenizer", description = "tokenizer folder (with a single-file checkpoint)")
    Path tokenizer;

    @Option(names = {"-o", "--out"}, required = true, description = "output folder (checkpoints, loss.csv, loss.png, the model)")
    Path out;

    @Range(min = 8, max = 4096)
    @Option(names = "--resolution", defaultValue = "512", description = "training resolution (default: ${DEFAULT-VALUE})")
    int resolution;

    @Range(min = 1, max = 256)
    @Option(names = "--batch", defaultValue = "1", description = "batch size (default: ${DEFAULT-VALUE})")
    int batch;

    @Range(min = 1, max = 1024)
    @Option(names = "--grad-accum", defaultValue = "1", description = "gradient accumulation steps (default: ${DEFAULT-VALUE})")
    int gradAccum;

    @Option(names = "--lr-schedule", defaultValue = "constant",
            description = "constant, constant_with_warmup, linear, polynomial (default: ${DEFAULT-VALUE})")
    String lrSchedule;

    @Range(min = 0)
    @Option(names = "--warmup", defaultValue = "0", description = "warm-up steps (default: ${DEFAULT-VALUE})")
    long warmup;

    @Range(min = 0)
    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "gradient clipping, 0 = off (default: ${DEFAULT-VALUE})")
    double maxGradNorm;

    @Range(min = 0, max = 1)
    @Option(names = "--weight-decay", defaultValue = "0.01", description = "AdamW weight decay (default: ${DEFAULT-VALUE})")
    double weightDecay;

    @Range(min = 0, max = 1)
    @Option(names = "--empty-prompt-prob", defaultValue = "0", description = "prompt dropout probability (default: ${DEFAULT-VALUE})")
    double emptyPromptProb;

    @Range
    @Option(names = "--seed", defaultValue = "0", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Range(min = 0)
    @Option(names = "--checkpoint-every", defaultValue = "500", description = "checkpoint interval in steps (default: ${DEFAULT-VALUE})")
    long checkpointEvery;

    @Range(min = 1, max = 10_000)
    @Option(names = "--keep", defaultValue = "2", description = "checkpoints kept (default: ${DEFAULT-VALUE})")
    int keep;

    @Range(min = 1)
    @Option(names = "--log-every", defaultValue = "50", description = "log line interval (default: ${DEFAULT-VALUE})")
    long logEvery;

    @Option(names = "--resume", description = "continue from the newest checkpoint in --out")
    boolean resume;

    /** The shared training settings these options give, with the command's own steps, lr and EMA decay. */
    TrainingSettings settings(long steps, double lr, double emaDecay) {
        return TrainingSettings.builder(out).steps(steps).gradAccum(gradAccum).lr(lr).lrSchedule(lrSchedule).warmup(warmup)
                .maxGradNorm(maxGradNorm).weightDecay(weightDecay).seed(seed).checkpointEvery(checkpointEvery)
                .keepCheckpoints(keep).logEvery(logEvery).resume(resume).emaDecay(emaDecay).build();
    }
}
