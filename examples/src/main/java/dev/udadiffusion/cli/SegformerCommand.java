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

/** {@code udadiff segformer ...}: the segmentation side of the closed loop. */
@Command(name = "segformer", mixinStandardHelpOptions = true, description = "SegFormer evaluation.",
        subcommands = {SegformerCommand.Eval.class})
final class SegformerCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
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

        @Option(names = "--layout", defaultValue = "auto", description = "gta5, cityscapes or auto (default: ${DEFAULT-VALUE})")
        String layout;

        @Option(names = "--split", defaultValue = "val", description = "Cityscapes split (default: ${DEFAULT-VALUE})")
        String split;

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
            int[] wh = size.equals("native") ? new int[] {0, 0} : pair(size, "x", "--size");
            int[] ws = slide == null ? new int[] {0, 0} : pair(slide, ":", "--slide");
            if (slide != null && (ws[1] > ws[0] || ws[1] <= 0)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--slide " + slide + ": need 0 < stride <= window");
            }
            Datasets.Listing set = DataCommand.open(data, layout, split, Datasets.Policy.ERROR, true);
            o.printf("data: %s, %d images%n", set.name(), set.samples().size());
            try (SegformerModel m = SegformerModel.load(model)) {
                Progress bar = new Progress(o, "eval", set.samples().size());
                ConfusionMatrix cm = Evaluator.run(m, set, new Evaluator.Options(wh[0], wh[1], ws[0], ws[1], predictions),
                        (done, total, s) -> bar.update(done, ""));
                bar.finish();
                o.println(IoUReport.table(cm));
                IoUReport.writeCsv(cm, out.resolve("iou.csv"));
                IoUReport.writeChart(cm, out.resolve("iou.png"), "IoU per class, " + set.name());
                o.printf("IoU table in %s, chart in %s%n", out.resolve("iou.csv"), out.resolve("iou.png"));
                o.flush();
                return 0;
            }
        }

        private int[] pair(String v, String sep, String option) {
            String[] p = v.split(java.util.regex.Pattern.quote(sep));
            try {
                if (p.length == 2) {
                    int a = Integer.parseInt(p[0].trim());
                    int b = Integer.parseInt(p[1].trim());
                    if (a > 0 && b > 0) {
                        return new int[] {a, b};
                    }
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            throw new CommandLine.ParameterException(spec.commandLine(), option + " " + v + ": expected two positive numbers "
                    + "separated by '" + sep + "'");
        }
    }
}
