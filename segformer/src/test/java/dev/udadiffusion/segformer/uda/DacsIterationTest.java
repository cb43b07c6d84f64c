package dev.udadiffusion.segformer.uda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.core.parity.ErrorMetrics;
import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.state.ParamSpec;
import dev.udadiffusion.core.state.Params;
import dev.udadiffusion.core.testing.TestData;
import dev.udadiffusion.core.train.Gradients;
import dev.udadiffusion.core.train.Trainer;
import dev.udadiffusion.core.train.TrainingGraph;
import dev.udadiffusion.segformer.SegformerConfig;
import dev.udadiffusion.segformer.SegformerModel;
import dev.udadiffusion.segformer.train.SegformerTraining;
import dev.udadiffusion.segformer.train.SegformerTrainingGraph;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One full DACS iteration of the tiny SegFormer against DAFormer's own code (its {@code dacs_transforms.py} and
 * {@code forward_train}'s order, kornia 0.5.8, transformers' SegFormer under PyTorch), made by
 * {@code testdata/tools/make_dacs_iteration.py}: the teacher's EMA update, its probabilities, pseudo-labels and q,
 * ClassMix with colour jitter and blur, the ImageNet feature distance, both losses, the summed gradients, one AdamW step with DAFormer's groups, and
 * the BatchNorm buffers of student (two forwards) and teacher (one). Tolerances are the SegFormer train-step
 * fixture's: forward 1e-3 abs / 1e-4 relL2, gradients 1e-5 / 1e-3 (noise-level reference gradients, |g| &lt; 1e-7:
 * 1e-7 abs), parameters 1e-6 abs where |g| &gt; 1e-6.
 */
class DacsIterationTest {

    static final Path DIR = TestData.root().resolve("daformer");
    static final Path MODEL = TestData.root().resolve("reference/segformer_tiny");
    static SafetensorsFile io;
    static JsonNode info;

    @BeforeAll
    static void open() throws Exception {
        io = SafetensorsFile.open(DIR.resolve("dacs_iteration.safetensors"));
        info = new ObjectMapper().readTree(DIR.resolve("dacs_iteration.json").toFile());
    }

    @AfterAll
    static void close() {
        io.close();
    }

    static void near(String what, INDArray got, INDArray ref, double abs, double rel) {
        ErrorMetrics e = ErrorMetrics.of(got, ref);
        assertTrue(e.maxAbs() <= abs && e.relL2() <= rel, what + ": max abs " + e.maxAbs() + ", relL2 " + e.relL2());
    }

    static SegformerModel student() {
        return SegformerModel.load(SegformerConfig.read(MODEL.resolve("config.json")), MODEL.resolve("weights.safetensors"));
    }

    /** The fixture's "ImageNet" model (a perturbed copy of the student). */
    static SegformerModel imnet() {
        SegformerModel m = SegformerModel.random(SegformerConfig.read(MODEL.resolve("config.json")), 0);
        for (ParamSpec s : m.params().specs().values()) {
            m.params().array(s.key()).assign(s.layout().toGraph(io.load("in.imnet." + s.key())));
        }
        return m;
    }

    static DacsBatch.FeatureDistance featureDistance() {
        int[] classes = new int[info.get("fd_classes").size()];
        for (int i = 0; i < classes.length; i++) {
            classes[i] = info.get("fd_classes").get(i).asInt();
        }
        return new DacsBatch.FeatureDistance(info.get("fd_lambda").asDouble(), classes, info.get("fd_min_ratio").asDouble());
    }

    /** Source feeds with the feature distance, and the mixed batch's with it switched off. */
    static List<Map<String, INDArray>> withFeatureDistance(SegformerModel imnet, INDArray src, int[][][] labels,
            Map<String, INDArray> srcFeeds, Map<String, INDArray> mixFeeds) {
        String last = SegformerTrainingGraph.LAST_FEATURES_PREFIX + 3;
        INDArray f = imnet.forward(src, last).get(last);
        return List.of(DacsBatch.merge(srcFeeds, DacsBatch.featureDistance(f, labels, featureDistance(), 19)),
                DacsBatch.merge(mixFeeds, DacsBatch.noFeatureDistance(f.shape())));
    }

    static DacsBatch.Draws draws() {
        List<int[]> classes = new ArrayList<>();
        info.get("mix_classes").forEach(a -> {
            int[] c = new int[a.size()];
            for (int i = 0; i < c.length; i++) {
                c[i] = a.get(i).asInt();
            }
            classes.add(c);
        });
        List<StrongAugment.Draw> strong = new ArrayList<>();
        for (int i = 0; i < info.get("jitter").size(); i++) {
            JsonNode j = info.get("jitter").get(i);
            int[] order = new int[4];
            for (int k = 0; k < 4; k++) {
                order[k] = j.get("order").get(k).asInt();
            }
            strong.add(new StrongAugment.Draw(new ColorJitter.Draw(j.get("brightness").asDouble(), j.get("contrast").asDouble(),
                    j.get("saturation").asDouble(), j.get("hue").asDouble(), order), info.get("blur_sigma").get(i).asDouble()));
        }
        return new DacsBatch.Draws(classes, strong);
    }

    static int[][][] ints(INDArray a) {
        return DacsGoldensTest.ints(a);
    }

    @Test
    void oneIterationMatchesTheReference() {
        INDArray src = io.load("in.source_pixels");
        INDArray tgt = io.load("in.target_pixels");
        int[][][] labels = ints(io.load("in.source_labels"));
        DacsBatch.Settings settings = new DacsBatch.Settings(info.get("pseudo_threshold").asDouble(), info.get("ignore_top").asInt(),
                info.get("ignore_bottom").asInt(), info.get("alpha").asDouble(), StrongAugment.Settings.DAFORMER);
        try (SegformerModel student = student(); MeanTeacher teacher = new MeanTeacher(student, 64, 64);
                SegformerModel imnet = imnet()) {
            TrainingGraph g = SegformerTrainingGraph.withFeatureDistance(student, 64, 64);
            teacher.follow(student, g.parameterArrays(), 0, settings.alpha());
            Params tp = teacher.model().params();
            for (ParamSpec s : tp.specs().values()) {
                tp.array(s.key()).assign(s.layout().toGraph(io.load("in.teacher." + s.key())));
            }
            teacher.follow(student, g.parameterArrays(), info.get("iter").asLong(), settings.alpha());
            for (String k : g.trainable().keySet()) {
                near("teacher " + k, tp.torchValue(k), io.load("out.teacher_after." + k), 1e-6, 1e-6);
            }

            INDArray probs = teacher.probabilities(tgt);
            near("teacher probabilities", probs, io.load("out.teacher_probs"), 1e-3, 1e-4);
            DacsBatch.Mixed mixed = DacsBatch.mix(src, labels, tgt, probs, draws(), settings);
            assertArrayEquals(ints(io.load("out.pseudo_label")), mixed.pseudo().labels(), "pseudo-labels");
            assertEquals(info.get("q").asDouble(), mixed.pseudo().q(), 1e-12, "q");
            assertArrayEquals(ints(io.load("out.mixed_labels")), mixed.labels(), "mixed labels");
            near("mixed weight", Nd4j.createFromArray(mixed.weight()), io.load("out.mixed_weight"), 1e-7, 1e-7);
            near("mixed pixels (ClassMix, jitter, blur)", mixed.pixels(), io.load("out.mixed_pixels"), 1e-4, 1e-5);
            for (String k : List.of("running_mean", "running_var")) {
                String key = "decode_head.batch_norm." + k;
                near("teacher " + key, tp.torchValue(key), io.load("out.teacher_buffers." + key), 1e-3, 1e-4);
            }

            List<Map<String, INDArray>> feeds = withFeatureDistance(imnet, src, labels,
                    DacsBatch.feeds(src, labels, null, student.config().numLabels(), 255),
                    DacsBatch.feeds(mixed.pixels(), mixed.labels(), mixed.weight(), student.config().numLabels(), 255));
            near("feature-distance mask", feeds.get(0).get(SegformerTrainingGraph.FD_MASK), io.load("out.fd_mask"), 0, 0);
            gradientsMatch(g, feeds.get(0), feeds.get(1));
        }
        try (SegformerModel fresh = student(); SegformerModel imnet = imnet()) {
            stepMatches(fresh, mixedFeedsFor(fresh, imnet, src, tgt, labels, settings));
        }
    }

    /** The mixed batch again (its pseudo-labels come from the teacher, which the student's step does not change). */
    private static List<Map<String, INDArray>> mixedFeedsFor(SegformerModel student, SegformerModel imnet, INDArray src,
            INDArray tgt, int[][][] labels, DacsBatch.Settings settings) {
        try (MeanTeacher teacher = new MeanTeacher(student, 64, 64)) {
            Params tp = teacher.model().params();
            for (ParamSpec s : tp.specs().values()) {
                tp.array(s.key()).assign(s.layout().toGraph(io.load("in.teacher." + s.key())));
            }
            TrainingGraph g = SegformerTrainingGraph.of(student, 64, 64);
            teacher.follow(student, g.parameterArrays(), info.get("iter").asLong(), settings.alpha());
            DacsBatch.Mixed mixed = DacsBatch.mix(src, labels, tgt, teacher.probabilities(tgt), draws(), settings);
            int c = student.config().numLabels();
            return withFeatureDistance(imnet, src, labels, DacsBatch.feeds(src, labels, null, c, 255),
                    DacsBatch.feeds(mixed.pixels(), mixed.labels(), mixed.weight(), c, 255));
        }
    }

    private static void gradientsMatch(TrainingGraph g, Map<String, INDArray> srcFeeds, Map<String, INDArray> mixFeeds) {
        SegformerTraining.Options o = SegformerTraining.Options.daformer(Path.of("unused"));
        Trainer t = SegformerTraining.trainer(g, o);
        Map<String, INDArray> outs = new LinkedHashMap<>();
        Map<String, INDArray> sum = new LinkedHashMap<>();
        t.gradients(srcFeeds, List.of(SegformerTrainingGraph.FD_LOSS), outs).forEach((k, v) -> sum.put(k, v.dup()));
        near("feature distance", outs.get(SegformerTrainingGraph.FD_LOSS), io.load("out.loss_feat_dist").reshape(), 1e-3, 1e-4);
        near("source loss (cross-entropy + feature distance)", outs.get(SegformerTrainingGraph.LOSS),
                io.load("out.loss_source").reshape(), 1e-3, 1e-4);
        Gradients.accumulate(sum, t.gradients(mixFeeds, List.of(), outs));
        near("mix loss", outs.get(SegformerTrainingGraph.LOSS), io.load("out.loss_mix").reshape(), 1e-3, 1e-4);
        for (Map.Entry<String, INDArray> e : sum.entrySet()) {
            INDArray ref = io.load("out.grad." + e.getKey());
            INDArray got = g.params().specs().get(e.getKey()).layout().toTorch(e.getValue());
            if (ref.amaxNumber().doubleValue() < 1e-7) {
                near("gradient (analytically zero) " + e.getKey(), got, ref, 1e-7, Double.POSITIVE_INFINITY);
            } else {
                near("gradient " + e.getKey(), got, ref, 1e-5, 1e-3);
            }
        }
        assertEquals(io.load("out.grad_global_norm").getDouble(0), Gradients.globalNorm(sum.values()), 1e-5);
    }

    /** The loop's own step: a summing trainer over both micro-batches, BatchNorm buffers updated after each forward. */
    private static void stepMatches(SegformerModel student, List<Map<String, INDArray>> feeds) {
        TrainingGraph g = SegformerTrainingGraph.withFeatureDistance(student, 64, 64);
        SegformerTraining.Options o = SegformerTraining.Options.daformer(Path.of("unused"))
                .withTraining(t -> t.lr(info.get("lr").asDouble()).warmup(0).steps(1_000_000_000L).weightDecay(info.get("weight_decay").asDouble()))
                .withHeadLrMultiplier(info.get("head_lr_multiplier").asDouble());
        Trainer t = SegformerTraining.trainer(g, o).summing(SelfTraining.TERMS);
        long n = 2L * 16 * 16;
        Trainer.StepResult r = t.step(feeds, List.of(SegformerTrainingGraph.BN_MEAN, SegformerTrainingGraph.BN_VAR),
                out -> student.updateRunningStats(out.get(SegformerTrainingGraph.BN_MEAN), out.get(SegformerTrainingGraph.BN_VAR), n));
        assertEquals(io.load("out.loss_source").getDouble(0), r.terms().get("source"), 1e-4);
        assertEquals(io.load("out.loss_mix").getDouble(0), r.terms().get("mix"), 1e-4);
        assertEquals(r.terms().get("source") + r.terms().get("mix"), r.loss(), 1e-12);
        for (String k : g.trainable().keySet()) {
            INDArray grad = io.load("out.grad." + k).castTo(DataType.DOUBLE);
            INDArray mask = org.nd4j.linalg.ops.transforms.Transforms.abs(grad).gt(1e-6).castTo(DataType.DOUBLE);
            INDArray got = g.params().torchValue(k).castTo(DataType.DOUBLE).mul(mask);
            INDArray ref = io.load("out.param_after." + k).castTo(DataType.DOUBLE).mul(mask);
            near("parameter after the step " + k, got, ref, 1e-6, Double.POSITIVE_INFINITY);
        }
        for (String k : List.of("running_mean", "running_var")) {
            String key = "decode_head.batch_norm." + k;
            near("student " + key, g.params().torchValue(key), io.load("out.student_buffers." + key), 1e-3, 1e-4);
        }
    }
}
