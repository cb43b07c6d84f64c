package dev.udadiffusion.readme;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.controlnet.ControlNetHook;
import dev.udadiffusion.controlnet.ControlNetModel;
import dev.udadiffusion.controlnet.SegmentationConditioning;
import dev.udadiffusion.controlnet.generate.LabeledDatasetGenerator;
import dev.udadiffusion.controlnet.generate.LabeledDatasetOptions;
import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.core.testing.TestData;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.toyworld.ToyWorld;
import dev.udadiffusion.diffusion.pipeline.GenerationRequest;
import dev.udadiffusion.diffusion.pipeline.StableDiffusion;
import dev.udadiffusion.diffusion.schedulers.Schedulers;
import dev.udadiffusion.segformer.SegformerConfig;
import dev.udadiffusion.segformer.SegformerModel;
import dev.udadiffusion.segformer.eval.ConfusionMatrix;
import dev.udadiffusion.segformer.eval.Evaluator;
import dev.udadiffusion.segformer.eval.IoUReport;
import dev.udadiffusion.segformer.train.SegformerTraining;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The README's Java examples, verbatim, run on the shipped toy zoo: every {@code java} block of the README must appear
 * in this file (so an edited snippet that is not copied here fails), and here each one compiles and runs.
 */
class ReadmeExamplesTest {

    @TempDir
    Path out;

    @Test
    void everyReadmeSnippetIsInThisTest() throws Exception {
        Path root = TestData.root().getParent();
        String readme = Files.readString(root.resolve("README.md"));
        String self = normalise(Files.readString(root.resolve(
                "examples/src/test/java/dev/udadiffusion/readme/ReadmeExamplesTest.java")));
        Matcher m = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        List<String> blocks = new ArrayList<>();
        while (m.find()) {
            blocks.add(m.group(1));
        }
        assertEquals(3, blocks.size(), "the README's Java examples: generate, generate a labeled set, train and evaluate");
        for (String b : blocks) {
            assertTrue(self.contains(normalise(b)), "README snippet not in ReadmeExamplesTest:\n" + b);
        }
    }

    @Test
    void generateAnImageThatFollowsAMask() throws Exception {
        Path zoo = TestData.toyZoo();
        // README: generate
        try (StableDiffusion sd = StableDiffusion.load(zoo, StableDiffusion.Options.defaults().withUnet(zoo.resolve("unet_target")));
                ControlNetModel controlNet = ControlNetModel.load(zoo.resolve("controlnet"))) {
            int[][] mask = new ToyWorld(128, 64, 0).render(ToyWorld.Domain.SOURCE, "train", 0).trainIds(); // Cityscapes trainIds
            GenerationRequest request = GenerationRequest.of("", 1).withSize(64, 128).withSteps(20).withGuidance(1.0);
            ControlNetHook hook = new ControlNetHook(List.of(
                    ControlNetHook.Control.of(controlNet, SegmentationConditioning.oneHot(mask), 1.0)), false);
            INDArray images = sd.pipeline(Schedulers.resolve("ddim")).generate(request, hook, step -> { }).images();
            Images.write(Images.fromUnitTensor(images.slice(0)), out.resolve("generated.png"));
        }
        // end
        assertEquals(128, Images.read(out.resolve("generated.png")).getWidth());
    }

    @Test
    void generateALabeledSetThenTrainAndEvaluateASegmenter() throws Exception {
        Path zoo = TestData.toyZoo();
        // README: labeled set
        ToyWorld.Written world = new ToyWorld(128, 64, 0).write(out.resolve("world"), new ToyWorld.Counts(16, 16, 8), null);
        Datasets.Listing masks = Datasets.gta5(world.source(), Datasets.Policy.ERROR, true);
        LabeledDatasetOptions options = LabeledDatasetOptions.builder(8) // the thesis's settings, then the toy's:
                .size(128, 64).guidance(1.0).prompt("").rcs(0.01, 100).batch(8)
                .scr(null).build(); // no Small Components Refinement here, for speed (the thesis's is the default)
        try (StableDiffusion sd = StableDiffusion.load(zoo, StableDiffusion.Options.defaults().withUnet(zoo.resolve("unet_target")));
                ControlNetModel controlNet = ControlNetModel.load(zoo.resolve("controlnet"))) {
            LabeledDatasetGenerator.Report report = LabeledDatasetGenerator.run(sd.pipeline(Schedulers.resolve("ddim")),
                    controlNet, masks, out.resolve("generated"), options, Map.of("unet", "unet_target"), null);
            System.out.println(report.written() + " image-label pairs, manifest " + report.manifest());
        }
        // end
        assertEquals(8, Files.readAllLines(out.resolve("generated/manifest.jsonl")).size());
        // README: segmenter
        Datasets.Listing train = Datasets.open(out.resolve("generated"), Datasets.Layout.CITYSCAPES, "train",
                Datasets.Policy.ERROR, true);
        Datasets.Listing val = Datasets.open(world.target(), Datasets.Layout.CITYSCAPES, "val", Datasets.Policy.ERROR, true);
        try (SegformerModel model = SegformerModel.random(SegformerConfig.preset("mit-toy"), 0)) {
            SegformerTraining.run(model, train, SegformerTraining.Options.daformer(out.resolve("segformer"))
                    .withCrops(new SegformerTraining.Options.Crops(64, 0, 0, 0.75))
                    .withRcs(SegformerTraining.Options.Rcs.OFF).withTraining(t -> t.steps(20).lr(6e-4).warmup(2)), null);
            ConfusionMatrix cm = Evaluator.run(model, val, Evaluator.Options.wholeImage(), null);
            System.out.println(IoUReport.table(cm)); // Road … Bike, mIoU: the thesis's column order
        }
        // end
        assertTrue(Files.isRegularFile(out.resolve("segformer/segformer/model.safetensors")));
    }

    /** Each line trimmed, blank lines dropped: indentation differs between the README and a method body. */
    private static String normalise(String code) {
        StringBuilder b = new StringBuilder();
        for (String line : code.split("\n")) {
            if (!line.isBlank()) {
                b.append(line.strip()).append('\n');
            }
        }
        return b.toString();
    }
}
