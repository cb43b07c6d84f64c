package dev.udadiffusion.segformer.parity;

import com.fasterxml.jackson.databind.JsonNode;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.parity.ErrorMetrics;
import dev.udadiffusion.core.parity.Fixture;
import dev.udadiffusion.core.parity.ParityChecker;
import dev.udadiffusion.core.parity.Tolerance;
import dev.udadiffusion.core.parity.TrainStepRules;
import dev.udadiffusion.core.train.AdamW;
import dev.udadiffusion.core.train.LrSchedule;
import dev.udadiffusion.core.train.Trainer;
import dev.udadiffusion.core.train.TrainingGraph;
import dev.udadiffusion.segformer.SegformerConfig;
import dev.udadiffusion.segformer.SegformerModel;
import dev.udadiffusion.segformer.SegformerTargets;
import dev.udadiffusion.segformer.train.SegformerTrainingGraph;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Parity for SegFormer training-step fixtures: train-mode forward (BatchNorm batch statistics), cross-entropy with
 * ignore 255, all gradients and their norm, BatchNorm running statistics after the step, and one AdamW step with the
 * backbone and head as separate parameter groups (head lr = the config's second group).
 */
public final class SegformerTrainStepParityChecker implements ParityChecker {

    @Override
    public String kind() {
        return "segformer-train-step";
    }

    @Override
    public boolean accepts(Fixture f) {
        return f.config().path("segformer").isObject() && f.config().has("optimizer");
    }

    @Override
    public Map<String, INDArray> compute(Fixture f) {
        JsonNode c = f.config();
        SegformerConfig cfg = Configs.read(c.get("segformer"), SegformerConfig.class, "segformer");
        Path w = f.dir().resolve(c.path("weights").path("model").asText()).normalize();
        INDArray pixels = f.input("pixel_values");
        INDArray labels = f.input("labels");
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (SegformerModel m = SegformerModel.load(cfg, w)) {
            out.put("out.bn.running_mean_before", m.params().torchValue("decode_head.batch_norm.running_mean").dup());
            out.put("out.bn.running_var_before", m.params().torchValue("decode_head.batch_norm.running_var").dup());
            TrainingGraph g = SegformerTrainingGraph.of(m, pixels.size(2), pixels.size(3));
            SegformerTargets.Target t = SegformerTargets.oneHot(labels, cfg.numLabels(), cfg.semanticLossIgnoreIndex());
            Map<String, INDArray> feeds = Map.of(SegformerModel.PIXELS, pixels, SegformerTrainingGraph.TARGET, t.oneHot(),
                    SegformerTrainingGraph.N_VALID, Nd4j.scalar(DataType.FLOAT, (float) t.valid()));
            JsonNode opt = c.get("optimizer");
            double lrBackbone = opt.path("param_groups").get(0).path("lr").asDouble();
            double lrHead = opt.path("param_groups").get(1).path("lr").asDouble();
            List<String> backbone = new ArrayList<>();
            List<String> head = new ArrayList<>();
            g.trainable().keySet().forEach(k -> (k.startsWith("decode_head.") ? head : backbone).add(k));
            double wd = opt.path("weight_decay").asDouble();
            AdamW adam = new AdamW(List.of(new AdamW.Group("backbone", backbone, 1.0, wd),
                    new AdamW.Group("head", head, lrHead / lrBackbone, wd)), opt.path("betas").get(0).asDouble(),
                    opt.path("betas").get(1).asDouble(), opt.path("eps").asDouble());
            Trainer tr = new Trainer(g, adam, LrSchedule.constant(), lrBackbone, 0);
            Map<String, INDArray> o = new LinkedHashMap<>();
            Map<String, INDArray> grads = tr.gradients(feeds, List.of(SegformerModel.LOGITS, SegformerModel.UPSAMPLED,
                    "segformer.decode_head.fused", SegformerTrainingGraph.BN_MEAN, SegformerTrainingGraph.BN_VAR), o);
            long n = pixels.size(0) * o.get("segformer.decode_head.fused").size(2) * o.get("segformer.decode_head.fused").size(3);
            out.put("out.loss", o.get(SegformerTrainingGraph.LOSS));
            out.put("out.logits", o.get(SegformerModel.LOGITS));
            out.put("out.upsampled_logits", o.get(SegformerModel.UPSAMPLED));
            out.put("out.n_valid_pixels", Nd4j.scalar(DataType.LONG, t.valid()));
            out.put("out.bn.input", o.get("segformer.decode_head.fused"));
            out.put("out.bn.batch_mean", o.get(SegformerTrainingGraph.BN_MEAN));
            out.put("out.bn.batch_var_biased", o.get(SegformerTrainingGraph.BN_VAR));
            out.put("out.bn.batch_var_unbiased", o.get(SegformerTrainingGraph.BN_VAR).mul((double) n / (n - 1)));
            TrainStepRules.recordStep(f, g, adam, grads, lrBackbone, true, out);
            m.updateRunningStats(o.get(SegformerTrainingGraph.BN_MEAN), o.get(SegformerTrainingGraph.BN_VAR), n);
            out.put("out.bn.running_mean_after", m.params().torchValue("decode_head.batch_norm.running_mean").dup());
            out.put("out.bn.running_var_after", m.params().torchValue("decode_head.batch_norm.running_var").dup());
            out.put("out.bn.num_batches_tracked_after", Nd4j.scalar(DataType.LONG, 1L));
        }
        return out;
    }

    private static Set<String> zeroGrads(Fixture f) {
        Set<String> s = new HashSet<>();
        f.config().path("analytically_zero_grads").forEach(x -> s.add(x.isTextual() ? x.asText() : x.path("name").asText()));
        return s;
    }

    /** The notes: forward 1e-3/1e-4; non-zero grads 1e-5/1e-3; analytically zero grads abs 1e-7; params as below. */
    @Override
    public Tolerance tolerance(Fixture f, String output) {
        if (output.startsWith("out.grad.")) {
            return zeroGrads(f).contains(output.substring("out.grad.".length())) ? new Tolerance(1e-7, Double.POSITIVE_INFINITY)
                    : new Tolerance(1e-5, 1e-3);
        }
        if (output.startsWith("out.param_after.")) {
            return new Tolerance(1e-6, 1e-4);
        }
        if (output.startsWith("out.param_before.") || output.equals("out.n_valid_pixels")
                || output.endsWith("num_batches_tracked_after")) {
            return Tolerance.EXACT;
        }
        if (output.equals("out.grad_global_norm")) {
            return new Tolerance(1e-5, 1e-4);
        }
        return new Tolerance(1e-3, 1e-4);
    }

    /** param_after only where |reference grad| &gt; 1e-6 (the first Adam step is ≈ −lr·sign(g)). */
    @Override
    public ErrorMetrics compare(Fixture f, String output, INDArray got, INDArray ref) {
        if (output.startsWith("out.param_after.")) {
            INDArray g = f.expected("out.grad." + output.substring("out.param_after.".length()));
            INDArray mask = Transforms.abs(g.castTo(DataType.DOUBLE)).gt(1e-6).castTo(DataType.DOUBLE);
            return ErrorMetrics.of(got.castTo(DataType.DOUBLE).mul(mask), ref.castTo(DataType.DOUBLE).mul(mask));
        }
        return ErrorMetrics.of(got, ref);
    }
}
