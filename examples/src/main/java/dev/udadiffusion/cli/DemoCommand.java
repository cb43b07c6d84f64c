package dev.udadiffusion.cli;

import dev.udadiffusion.experiments.demo.Demo;
import dev.udadiffusion.experiments.demo.DemoOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code udadiff demo}: runs {@link Demo} with the options given and prints its table. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The main job: the thesis's closed loop on the toy world with the toy model zoo (no downloads). "
                + "Generates target-style images for source masks with the target U-Net and the ControlNet trained on the "
                + "source U-Net (U-Net swap) with Rare Class Sampling and Small Components Refinement, trains a small SegFormer "
                + "on (a) source, (b) source + photometric augmentation, (c) the generated set, (d) target (oracle), evaluates "
                + "each on target val and writes OUT/report.md and OUT/report.html. With --self-training also (e) source and "
                + "(f) the generated set each with DAFormer's self-training on the unlabeled target images. Rerunning resumes."})
final class DemoCommand implements Callable<Integer> {

    @Option(names = {"-o", "--out"}, defaultValue = "demo", description = "output folder (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--zoo", defaultValue = "models/toy-zoo",
            description = "toy zoo folder (default: ${DEFAULT-VALUE}, shipped in the repository; `udadiff toyzoo train` makes one)")
    Path zoo;

    @Range(min = 1, max = 1000)
    @Option(names = "--seeds", defaultValue = "1", description = "repeat generation and training with seeds 0..N-1; "
            + "the report gives mean ± std and each row against source-only seed by seed (default: ${DEFAULT-VALUE})")
    int seeds;

    @Option(names = "--quick", description = "a smoke run: few samples, few denoising and training steps (numbers meaningless)")
    boolean quick;

    @Option(names = "--no-rcs", description = "ablation: masks in order instead of Rare Class Sampling")
    boolean noRcs;

    @Option(names = "--no-scr", description = "ablation: no Small Components Refinement")
    boolean noScr;

    @Option(names = "--no-swap", description = "ablation: generate with the source U-Net (no U-Net swap)")
    boolean noSwap;

    @Option(names = "--self-training", description = "also the rows 'source + self-training' and 'generated + self-training': "
            + "DAFormer's DACS with the target train images unlabeled, each compared with its row without (about 2.5x a "
            + "supervised row's time)")
    boolean selfTraining;

    // 1.0 as in the measured tables: a louder control followed the masks better but did not help the segmenter
    // (docs/RESULTS.md)
    @Range(min = 0, max = 100)
    @Option(names = "--control-scale", defaultValue = "1.0", description = "ControlNet conditioning scale of the generation "
            + "(default: ${DEFAULT-VALUE})")
    double controlScale;

    @Range(min = 1, max = 1_000_000)
    @Option(names = "--count", description = "generated samples (default: 192, the protocol of the measured tables; --quick 8)")
    Integer count;

    @Range(min = 1, max = 10_000_000)
    @Option(names = "--segformer-steps", description = "SegFormer training steps per row (default: 500; --quick 15)")
    Integer segSteps;

    @Range(min = 1, max = 256)
    @Option(names = {"-j", "--jobs"}, description = "SegFormer rows trained side by side, each with an equal share of the "
            + "cores (default: one per core, at most 4; 1 = one after another). Toy-size training is bound by per-op "
            + "overhead, so on 2 cores two rows at once take 1.65× less time than one after another")
    Integer jobs;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        CliArgs.requireZoo(spec, zoo);
        if (seeds < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--seeds must be at least 1");
        }
        if (jobs != null && jobs < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--jobs must be at least 1");
        }
        DemoOptions.Budget budget = quick ? DemoOptions.Budget.QUICK : DemoOptions.Budget.STANDARD;
        if (count != null) {
            budget = budget.withCount(count);
        }
        if (segSteps != null) {
            budget = budget.withSegformerSteps(segSteps);
        }
        DemoOptions opts = DemoOptions.standard(zoo, out).withSeeds(seeds)
                .withAblations(new DemoOptions.Ablations(!noRcs, !noScr, !noSwap)).withBudget(budget)
                .withControlScale(controlScale).withJobs(jobs != null ? jobs : 0)
                .withRows(selfTraining ? DemoOptions.RowSet.DEMO_SELF_TRAINING : DemoOptions.RowSet.DEMO);
        Demo.Result r = Demo.run(opts, CliArgs.asTyped(spec), new ConsoleLog(o));
        o.println();
        o.println(r.report().table());
        if (seeds > 1) {
            o.println("mIoU per seed (seed 0, 1, …), each row against the first (a self-training row against its row without), seed by seed:");
            o.println(r.report().perSeed());
        }
        o.printf("report: %s and %s (%.1f min this run)%n", r.markdown(), r.html(), r.minutes());
        o.flush();
        return 0;
    }
}
