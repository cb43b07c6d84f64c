package dev.udadiffusion.cli;

import dev.udadiffusion.data.labels.CityscapesClasses;
import dev.udadiffusion.data.toyworld.ToyWorld;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code udadiff toyworld}: the procedural source ("game") and target ("real") domains, written in the real layouts. */
@Command(name = "toyworld", mixinStandardHelpOptions = true,
        description = {"Render the toy world: street scenes with all 19 Cityscapes classes in a flat \"game\" style "
                + "(source, GTA5 layout: OUT/source/images, OUT/source/labels) and a \"real\" style (target, Cityscapes "
                + "layout: OUT/target/leftImg8bit/{train,val}, OUT/target/gtFine/…), plus sample grids and "
                + "toyworld.json. Deterministic in --seed; an existing folder with the same parameters is reused."})
final class ToyWorldCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, description = "output folder (created; must not hold anything else)")
    Path out;

    @Range
    @Option(names = "--seed", defaultValue = "0", description = "world seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Range(min = 16, max = 4096)
    @Option(names = "--width", defaultValue = "128", description = "image width (default: ${DEFAULT-VALUE})")
    int width;

    @Range(min = 16, max = 4096)
    @Option(names = "--height", defaultValue = "64", description = "image height (default: ${DEFAULT-VALUE})")
    int height;

    @Range(min = 1, max = 10_000_000)
    @Option(names = "--source", defaultValue = "1500", description = "source images (default: ${DEFAULT-VALUE})")
    int source;

    @Range(min = 1, max = 10_000_000)
    @Option(names = "--target-train", defaultValue = "1500", description = "target train images (default: ${DEFAULT-VALUE})")
    int targetTrain;

    @Range(min = 1, max = 10_000_000)
    @Option(names = "--target-val", defaultValue = "300", description = "target val images (default: ${DEFAULT-VALUE})")
    int targetVal;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        ToyWorld w = new ToyWorld(width, height, seed);
        ToyWorld.Counts counts = new ToyWorld.Counts(source, targetTrain, targetVal);
        Progress bar = new Progress(o, "toyworld", (long) source + targetTrain + targetVal);
        long[] last = {0};
        ToyWorld.Written r = w.write(out, counts, (done, total) -> {
            long now = System.nanoTime();
            if (done == total || now - last[0] > 200_000_000L) {
                last[0] = now;
                bar.update(done, "images");
            }
        });
        if (!r.reused()) {
            bar.finish();
        }
        o.printf("%s %s (%dx%d, seed %d)%n", r.reused() ? "reused" : "wrote", r.root(), width, height, seed);
        o.printf("  source: %s (%d, GTA5 layout)%n  target: %s (%d train, %d val, Cityscapes layout)%n", r.source(), source,
                r.target(), targetTrain, targetVal);
        o.printf("  grids:  %s, %s%n", r.root().resolve("source_grid.png"), r.root().resolve("target_grid.png"));
        o.printf("%-14s %9s %9s%n", "class", "source", "target");
        for (int c = 0; c < CityscapesClasses.COUNT; c++) {
            o.printf("%-14s %8.3f%% %8.3f%%%n", CityscapesClasses.name(c), 100 * r.sourceFrequency()[c],
                    100 * r.targetFrequency()[c]);
        }
        o.flush();
        return 0;
    }
}
