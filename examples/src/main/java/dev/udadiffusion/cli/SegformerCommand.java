package dev.udadiffusion.cli;

import dev.udadiffusion.core.image.LossPlot;
import dev.udadiffusion.core.train.TrainingLoop;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.segformer.SegformerModel;
import dev.udadiffusion.segformer.eval.ConfusionMatrix;
import dev.udadiffusion.segformer.eval.Evaluator;
import dev.udadiffusion.segformer.eval.IoUReport;
import dev.udadiffusion.segformer.train.SegformerTraining;
import dev.udadiffusion.segformer.uda.DacsBatch;
import dev.udadiffusion.segformer.uda.PseudoLabels;
import dev.udadiffusion.segformer.uda.SelfTraining;
import dev.udadiffusion.segformer.uda.StrongAugment;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code udadiff segformer ...}: the segmentation side of the closed loop. */
@Command(name = "segformer", mixinStandardHelpOptions = true, description = "SegFormer training and evaluation.",
        subcommands = {SegformerCommand.Train.class, SegformerCommand.Adapt.class, SegformerCommand.Eval.class})
final class SegformerCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = {"Train a SegFormer on a labeled set (Cityscapes or GTA5 layout, e.g. a generated set) with "
                    + "DAFormer's schedule: AdamW, head lr x10, linear warmup then poly decay, random resized crops, "
                    + "flips, photometric jitter, Rare Class Sampling. Writes OUT/segformer (a transformers folder), "
                    + "checkpoints, loss.csv and loss.png; --resume continues exactly."})
    static final class Train implements Callable<Integer> {
        @Option(names = "--data", required = true, description = "Cityscapes or GTA5 root")
        Path data;

        @CommandLine.Mixin
        LayoutOptions layout;

        @CommandLine.Mixin
        SegformerRecipeOptions recipe;

        @Range(min = 1, max = 1024)
        @Option(names = "--grad-accum", defaultValue = "1", description = "gradient accumulation (default: ${DEFAULT-VALUE})")
        int gradAccum;

        @Range(min = 0, max = 1)
        @Option(names = "--jitter", defaultValue = "0", description = "photometric jitter strength, 0 = off (default: ${DEFAULT-VALUE})")
        double jitter;

        @Option(names = "--blur-noise", description = "random Gaussian blur and sensor noise (with --jitter: the photometric "
                + "augmentation of a fair source-only baseline)")
        boolean blurNoise;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter o = spec.commandLine().getOut();
            SegformerTraining.Options opts = recipe.options(spec).withTraining(t -> t.gradAccum(gradAccum))
                    .withPhotometric(new SegformerTraining.Options.Photometric(jitter, blurNoise));
            Datasets.Listing set = layout.open(data, Datasets.Policy.ERROR, true, "train");
            o.printf("data: %s, %d images%n", set.name(), set.samples().size());
            try (SegformerModel m = recipe.openModel(spec)) {
                TrainingLoop.History h = SegformerTraining.run(m, set, opts, new TrainListener(o, recipe.logEvery));
                o.println();
                LossPlot.fromCsv(recipe.out.resolve("loss.csv"), recipe.out.resolve("loss.png"), "SegFormer training loss");
                o.printf("trained %d steps; model in %s, loss curve in %s%n", h.losses().size(), recipe.out.resolve("segformer"),
                        recipe.out.resolve("loss.png"));
                o.flush();
                return 0;
            }
        }
    }

    @Command(name = "adapt", mixinStandardHelpOptions = true,
            description = {"Unsupervised domain adaptation by DAFormer's self-training (DACS): a mean teacher (EMA of the "
                    + "student, alpha up to --ema-alpha) labels unlabeled --target crops; the student learns from labeled "
                    + "--source crops (Rare Class Sampling) and from ClassMix images (source classes pasted on target "
                    + "images, pseudo-labels weighted by the share of confident pixels, colour jitter and blur). The "
                    + "optimiser and schedule are those of 'segformer train'. Writes OUT/segformer (the student), "
                    + "OUT/teacher, checkpoints with the teacher, loss.csv (total, source and mix losses) and loss.png; "
                    + "--resume continues exactly. Defaults are DAFormer's GTA5 -> Cityscapes settings; the ImageNet "
                    + "feature distance needs --imnet-backbone. Toy world (from scratch, 128x64 images, what 'demo "
                    + "--self-training' and 'table 4.5' use): --preset toy --crop 64 --batch 8 --lr 6e-4 --warmup 50 --steps 500 "
                    + "--resize none --target-resize none --rcs-temperature 0 --ema-alpha 0.92 (the ignored rows scale to 2 and "
                    + "15 by default; see RUNNING.md)."})
    static final class Adapt implements Callable<Integer> {
        @Option(names = "--source", required = true, description = "labeled source root (GTA5 or Cityscapes layout, e.g. a generated set)")
        Path source;

        @Option(names = "--source-layout", defaultValue = "auto", description = "gta5, cityscapes or auto (default: ${DEFAULT-VALUE})")
        String sourceLayout;

        @Option(names = "--source-split", defaultValue = "train", description = "Cityscapes split of the source (default: ${DEFAULT-VALUE})")
        String sourceSplit;

        @Option(names = "--unknown-ids-to-ignore", description = "read source label ids outside the layout's table as ignore (255)")
        boolean unknownToIgnore;

        @Option(names = "--target", required = true, description = "target root whose images are used without labels (Cityscapes or GTA5 layout)")
        Path target;

        @Option(names = "--target-layout", defaultValue = "auto", description = "gta5, cityscapes or auto (default: ${DEFAULT-VALUE})")
        String targetLayout;

        @Option(names = "--target-split", defaultValue = "train", description = "Cityscapes split of the target (default: ${DEFAULT-VALUE})")
        String targetSplit;

        @Option(names = "--target-resize", defaultValue = "1024x512",
                description = "keep-ratio resize of target images before cropping, WxH or 'none' (default: ${DEFAULT-VALUE})")
        String targetResize;

        @CommandLine.Mixin
        SegformerRecipeOptions recipe;

        @Range(min = 0, max = 1)
        @Option(names = "--pseudo-threshold", defaultValue = "0.968",
                description = "a pseudo-label is confident at this top probability; q = share of confident pixels (default: ${DEFAULT-VALUE})")
        double pseudoThreshold;

        @Range(min = 0, max = 4096)
        @Option(names = "--ignore-top", description = "pseudo-label rows weighted 0 at the top of a crop (default: 15 of 512, scaled with --crop)")
        Integer ignoreTop;

        @Range(min = 0, max = 4096)
        @Option(names = "--ignore-bottom", description = "and at the bottom (default: 120 of 512, scaled with --crop)")
        Integer ignoreBottom;

        @Range(min = 0, max = 0.99999)
        @Option(names = "--ema-alpha", defaultValue = "0.999", description = "the teacher's largest EMA weight (default: ${DEFAULT-VALUE})")
        double alpha;

        @Range(min = 0, max = 1)
        @Option(names = "--mix-jitter", defaultValue = "0.2", description = "colour jitter strength on mixed images (default: ${DEFAULT-VALUE})")
        double mixJitter;

        @Range(min = 0, max = 1)
        @Option(names = "--mix-jitter-threshold", defaultValue = "0.2",
                description = "jitter when the iteration's U(0,1) draw exceeds this, 1 = never (default: ${DEFAULT-VALUE})")
        double mixJitterThreshold;

        @Option(names = "--no-mix-blur", description = "no Gaussian blur on mixed images (default: blur in half of the iterations)")
        boolean noBlur;

        @Option(names = "--imnet-backbone", description = "ImageNet MiT weights of the student's size (NVlabs mit_b*.safetensors "
                + "or nvidia/mit-b*): turns on DAFormer's feature distance between the student's and this model's last-stage "
                + "features at thing-class positions of the source (off without it)")
        Path imnetBackbone;

        @Range(min = 0, max = 100)
        @Option(names = "--fd-lambda", defaultValue = "0.005", description = "weight of the feature distance (default: ${DEFAULT-VALUE})")
        double fdLambda;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter o = spec.commandLine().getOut();
            SegformerTraining.Options so = recipe.options(spec);
            int crop = so.crops().crop();
            int[] rows = PseudoLabels.ignoredRows(crop, 15, 120);
            int top = ignoreTop != null ? ignoreTop : rows[0];
            int bottom = ignoreBottom != null ? ignoreBottom : rows[1];
            if (top + bottom >= crop) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--ignore-top " + top + " and --ignore-bottom "
                        + bottom + ": together they cover the whole " + crop + "-row crop");
            }
            int[] tr = targetResize.equals("none") ? new int[] {0, 0} : CliArgs.pair(spec, targetResize, "x", "--target-resize");
            if (tr[0] > 0 && crop > Math.min(tr[0], tr[1])) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--crop " + crop + ": larger than the resized "
                        + "target images' shorter side (--target-resize " + targetResize + ")");
            }
            DacsBatch.FeatureDistance daformerFd = DacsBatch.FeatureDistance.daformer();
            SelfTraining.Options opts = new SelfTraining.Options(so, tr[0], tr[1], new DacsBatch.Settings(pseudoThreshold, top,
                    bottom, alpha, new StrongAugment.Settings(mixJitter, mixJitterThreshold, !noBlur)),
                    new DacsBatch.FeatureDistance(fdLambda, daformerFd.classes(), daformerFd.minRatio()));
            Datasets.Listing src = Datasets.open(source, Datasets.Layout.parse(sourceLayout), sourceSplit, Datasets.Policy.ERROR, true)
                    .withUnknownToIgnore(unknownToIgnore);
            List<Path> tgt = Datasets.images(target, Datasets.Layout.parse(targetLayout), targetSplit);
            o.printf("source: %s, %d labeled images; target: %s, %d images (labels not read)%n", src.name(), src.samples().size(),
                    target, tgt.size());
            try (SegformerModel m = recipe.openModel(spec);
                    SegformerModel imnet = imnetBackbone == null ? null : SegformerModel.loadBackbone(m.config(), imnetBackbone)) {
                o.println(imnet == null ? "feature distance: off (no --imnet-backbone)"
                        : String.format("feature distance: on, lambda %s, ImageNet model %s", fdLambda, imnetBackbone));
                TrainingLoop.History h = SelfTraining.run(m, src, tgt, opts, imnet, new TrainListener(o, recipe.logEvery));
                o.println();
                LossPlot.fromCsv(recipe.out.resolve("loss.csv"), recipe.out.resolve("loss.png"), "DAFormer self-training loss");
                o.printf("adapted %d steps; student in %s, teacher in %s, loss curve in %s%n", h.losses().size(),
                        recipe.out.resolve("segformer"), recipe.out.resolve("teacher"), recipe.out.resolve("loss.png"));
                o.flush();
                return 0;
            }
        }
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

        @CommandLine.Mixin
        LayoutOptions layout;

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
            int[] wh = size.equals("native") ? new int[] {0, 0} : CliArgs.pair(spec, size, "x", "--size");
            int[] ws = slide == null ? new int[] {0, 0} : CliArgs.pair(spec, slide, ":", "--slide");
            if (slide != null && (ws[1] > ws[0] || ws[1] <= 0)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--slide " + slide + ": need 0 < stride <= window");
            }
            Datasets.Listing set = layout.open(data, Datasets.Policy.ERROR, true, "val");
            o.printf("data: %s, %d images%n", set.name(), set.samples().size());
            try (SegformerModel m = SegformerModel.load(model)) {
                ConfusionMatrix cm = new ConsoleLog(o).evaluate("eval", m, set,
                        new Evaluator.Options(wh[0], wh[1], ws[0], ws[1], predictions));
                o.println(IoUReport.table(cm));
                IoUReport.write(cm, out, "iou", "IoU per class, " + set.name());
                o.printf("IoU table in %s, chart in %s%n", out.resolve("iou.csv"), out.resolve("iou.png"));
                o.flush();
                return 0;
            }
        }
    }
}
