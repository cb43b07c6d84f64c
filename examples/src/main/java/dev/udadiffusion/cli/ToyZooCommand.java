package dev.udadiffusion.cli;

import dev.udadiffusion.experiments.toyzoo.ToyZoo;
import dev.udadiffusion.experiments.toyzoo.ToyZooOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code udadiff toyzoo train}: trains the toy model zoo the demo runs on. */
@Command(name = "toyzoo", mixinStandardHelpOptions = true, subcommands = {ToyZooCommand.Train.class},
        description = "The toy model zoo: Stable Diffusion with small configs trained on the toy world by this project's code.")
final class ToyZooCommand {

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = {"Train the toy zoo from scratch: toy world, small CLIP text tower (random, frozen), x4 VAE, prior "
                    + "U-Net on both domains, DreamBooth source and target U-Nets, ControlNet on source pairs with the source "
                    + "U-Net frozen and Rare Class Sampling, the in-domain oracle ControlNet (prior U-Net, target pairs; "
                    + "table 4.2) and the lightweight ControlNet (the full one's zero convolutions retrained alone; figure "
                    + "5.2). Stages run one after another; rerunning resumes (finished stages are skipped, a stage in "
                    + "progress continues from its last checkpoint; a zoo made before a stage existed gets it). Writes a "
                    + "diffusers folder with zoo.json (command, seed, commit, per-stage time and loss, weight hashes) and "
                    + "logs/ (loss curves)."})
    static final class Train implements Callable<Integer> {

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = {"-o", "--out"}, required = true, description = "zoo folder (work files in OUT/.work)")
        Path out;

        @Range
        @Option(names = "--seed", defaultValue = "0", description = "seed of the world and of every model (default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--quick", description = "a few steps of every stage on a small world (a smoke test, not a usable zoo)")
        boolean quick;

        @Range(min = 0, max = 1000)
        @Option(names = "--snr-gamma", description = "Min-SNR-γ loss weighting of the three U-Net stages, as diffusers' "
                + "--snr_gamma; 0 = plain mse (default: 5, the shipped zoo's recipe)")
        Double snrGamma;

        @Override
        public Integer call() {
            PrintWriter o = spec.commandLine().getOut();
            ToyZooOptions opts = quick ? ToyZooOptions.quick(seed) : ToyZooOptions.standard(seed);
            if (snrGamma != null) {
                opts = opts.withSnrGamma(snrGamma);
            }
            String command = "udadiff toyzoo train --out " + out + " --seed " + seed + (quick ? " --quick" : "")
                    + (snrGamma != null ? " --snr-gamma " + snrGamma : "");
            ToyZoo.train(out, opts, command, new ConsoleLog(o));
            return 0;
        }
    }
}
