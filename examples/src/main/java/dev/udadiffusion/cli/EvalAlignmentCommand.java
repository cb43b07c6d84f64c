package dev.udadiffusion.cli;

import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.segformer.SegformerModel;
import dev.udadiffusion.segformer.eval.ConfusionMatrix;
import dev.udadiffusion.segformer.eval.Evaluator;
import dev.udadiffusion.segformer.eval.IoUReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code udadiff eval-alignment}: how well generated images follow their conditioning masks (thesis Table 4.1) — a
 * segmenter trained on real data segments the generated images and its predictions are scored against the masks.
 */
@Command(name = "eval-alignment", mixinStandardHelpOptions = true,
        description = {"Alignment of a generated dataset with its conditioning masks (thesis Table 4.1): segment every "
                + "generated image with --segmenter and report per-class IoU and mIoU against the masks it was "
                + "generated from. Writes OUT/alignment.csv and OUT/alignment.png."})
final class EvalAlignmentCommand implements Callable<Integer> {

    @Option(names = "--segmenter", required = true, description = "transformers SegFormer folder trained on real (target) images")
    Path segmenter;

    @Option(names = "--data", required = true, description = "generated dataset root (Cityscapes layout, as generate-dataset writes)")
    Path data;

    @Option(names = "--split", defaultValue = "train", description = "split of the generated set (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--size", defaultValue = "native", description = "test size WxH or native (default: ${DEFAULT-VALUE})")
    String size;

    @Option(names = "--out", description = "folder for alignment.csv and alignment.png (default: DATA)")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        int[] wh = size.equals("native") ? new int[] {0, 0} : CliArgs.pair(spec, size, "x", "--size");
        Datasets.Listing set = Datasets.cityscapes(data, split, Datasets.Policy.ERROR);
        Path dir = out != null ? out : data;
        o.printf("generated: %s, %d images%n", data, set.samples().size());
        try (SegformerModel m = SegformerModel.load(segmenter)) {
            ConfusionMatrix cm = new ConsoleLog(o).evaluate("segment", m, set,
                    new Evaluator.Options(wh[0], wh[1], 0, 0, null));
            o.println("alignment (IoU of the segmenter's predictions against the conditioning masks):");
            o.println(IoUReport.table(cm));
            IoUReport.write(cm, dir, "alignment", "alignment IoU per class, " + data.getFileName());
            o.printf("alignment mIoU %.1f; table in %s%n", 100 * cm.meanIoU(), dir.resolve("alignment.csv"));
            o.flush();
            return 0;
        }
    }
}
