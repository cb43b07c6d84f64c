package dev.udadiffusion.cli;

import dev.udadiffusion.experiments.demo.DemoOptions;
import dev.udadiffusion.experiments.tables.Figure52;
import dev.udadiffusion.experiments.tables.Figure53;
import dev.udadiffusion.experiments.tables.Table42;
import dev.udadiffusion.experiments.tables.Table43;
import dev.udadiffusion.experiments.tables.Table44;
import dev.udadiffusion.experiments.tables.Table45;
import dev.udadiffusion.experiments.tables.ThesisNumbers;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code udadiff table ID}: reproduces one of the thesis's tables, at toy scale by default or on real data. */
@Command(name = "table", mixinStandardHelpOptions = true,
        description = {"Reproduce a table of the thesis and write OUT/tableID.md beside the thesis's numbers. On the toy "
                + "world with the shipped zoo by default (minutes on a laptop, resumable); with --source/--target/"
                + "--generated on GTA5, Cityscapes and a generated set at the thesis's settings. Tables: 4.3 (source against "
                + "generated, per class), 4.4 (RCS and SCR ablation of the generator; toy world only so far), 4.5 (DAFormer "
                + "self-training on the generated set), 4.2 (in-domain: the oracle ControlNet's images from target masks), "
                + "figures 5.2 (lightweight against full ControlNet: alignment and style; toy world) and 5.3 (mIoU against "
                + "the share of target labels, alone and with the generated set; toy world)."})
final class TableCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "table number: ${COMPLETION-CANDIDATES}", completionCandidates = Ids.class)
    String id;

    @Option(names = {"-o", "--out"}, description = "output folder (default: table-ID)")
    Path out;

    @Option(names = "--zoo", defaultValue = "models/toy-zoo", description = "toy zoo folder (default: ${DEFAULT-VALUE})")
    Path zoo;

    @Range(min = 1, max = 1000)
    @Option(names = "--seeds", defaultValue = "1", description = "toy world: seeds 0..N-1 (default: ${DEFAULT-VALUE})")
    int seeds;

    @Option(names = "--quick", description = "toy world: a smoke run (numbers meaningless)")
    boolean quick;

    @Range(min = 1, max = 10_000_000)
    @Option(names = "--segformer-steps", description = "toy world: SegFormer steps per row (default: 500; --quick 15)")
    Integer segSteps;

    @Range(min = 1, max = 256)
    @Option(names = {"-j", "--jobs"}, description = "toy world: rows trained side by side (default: one per core, at most 4)")
    Integer jobs;

    @Range(min = 1, max = 1_000_000)
    @Option(names = "--count", description = "toy world: generated samples per seed (default: 192; --quick 8)")
    Integer count;

    @Option(names = "--source", description = "real data: GTA5 root")
    Path source;

    @Option(names = "--target", description = "real data: Cityscapes root (train images unlabeled, val for evaluation)")
    Path target;

    @Option(names = "--generated", description = "real data: generated set (Cityscapes layout, from generate-dataset; for "
            + "4.2 the one the oracle ControlNet generated from Cityscapes train masks)")
    Path generated;

    @Option(names = "--imnet-backbone", description = "real data: ImageNet MiT-B5 weights (NVlabs mit_b5.safetensors or nvidia/mit-b5)")
    Path backbone;

    @Range(min = 1, max = 100_000_000)
    @Option(names = "--steps", defaultValue = "40000", description = "real data: iterations per row (default: ${DEFAULT-VALUE})")
    long steps;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    static final class Ids extends ArrayList<String> {
        Ids() {
            super(ThesisNumbers.ids());
        }
    }

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        if (!ThesisNumbers.ids().contains(id)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "table " + id + ": not reproduced yet (available: "
                    + String.join(", ", ThesisNumbers.ids()) + ")");
        }
        Path dir = out != null ? out : Path.of("table-" + id);
        boolean real = source != null || target != null || generated != null || backbone != null;
        Path md;
        if (real && (id.equals("4.4") || ThesisNumbers.FIGURES.containsKey(id))) {
            throw new CommandLine.ParameterException(spec.commandLine(), "table " + id + ": only the toy-world mode is built "
                    + "(drop --source/--target/--generated/--imnet-backbone)");
        }
        if (real) {
            if (source == null || target == null || generated == null || backbone == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "real data needs --source, --target, "
                        + "--generated and --imnet-backbone together");
            }
            Table45.RealData data = new Table45.RealData(source, target, generated, backbone, steps);
            md = switch (id) {
                case "4.2" -> Table42.real(data, dir, new ConsoleLog(o));
                case "4.3" -> Table43.real(data, dir, new ConsoleLog(o));
                default -> Table45.real(data, dir, new ConsoleLog(o));
            };
        } else {
            CliArgs.requireZoo(spec, zoo);
            DemoOptions.Budget budget = quick ? DemoOptions.Budget.QUICK : DemoOptions.Budget.STANDARD;
            if (segSteps != null) {
                budget = budget.withSegformerSteps(segSteps);
            }
            if (count != null) {
                budget = budget.withCount(count);
            }
            DemoOptions d = DemoOptions.standard(zoo, dir).withSeeds(seeds).withBudget(budget).withJobs(jobs != null ? jobs : 0);
            String command = CliArgs.asTyped(spec);
            md = switch (id) {
                case "4.2" -> Table42.toy(d, command, new ConsoleLog(o));
                case "4.3" -> Table43.toy(d, command, new ConsoleLog(o));
                case "5.2" -> Figure52.toy(d, command, new ConsoleLog(o));
                case "5.3" -> Figure53.toy(d, quick ? Figure53.QUICK_SHARES : Figure53.SHARES, command, new ConsoleLog(o));
                case "4.4" -> Table44.toy(d, command, new ConsoleLog(o));
                default -> Table45.toy(d, command, new ConsoleLog(o));
            };
        }
        o.println();
        try {
            o.println(Files.readString(md));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(md + ": " + e.getMessage(), e);
        }
        o.printf("table: %s%n", md);
        o.flush();
        return 0;
    }
}
