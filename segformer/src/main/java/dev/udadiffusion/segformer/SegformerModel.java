package dev.udadiffusion.segformer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.nn.Activations;
import dev.udadiffusion.core.nn.Conv2d;
import dev.udadiffusion.core.nn.GraphCache;
import dev.udadiffusion.core.nn.Graphs;
import dev.udadiffusion.core.nn.LayerNorm;
import dev.udadiffusion.core.nn.Linear;
import dev.udadiffusion.core.nn.Resize;
import dev.udadiffusion.core.state.Checkpoint;
import dev.udadiffusion.core.state.Init;
import dev.udadiffusion.core.state.KeyMapping;
import dev.udadiffusion.core.state.Layout;
import dev.udadiffusion.core.state.LoadReport;
import dev.udadiffusion.core.state.Params;
import dev.udadiffusion.core.state.PretrainedFolder;
import dev.udadiffusion.data.labels.CityscapesClasses;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * transformers {@code SegformerForSemanticSegmentation}: the MiT encoder (overlapping patch embeddings, efficient
 * self-attention with spatial reduction, Mix-FFN, per-stage LayerNorm) and the all-MLP decode head (linear_c per stage,
 * bilinear to 1/4, concatenation in reverse stage order, linear_fuse + BatchNorm (running statistics) + ReLU,
 * classifier), plus bilinear upsampling of the logits to the input size. One graph per input size (all stage sizes are
 * then static); graphs share parameter arrays. Owns its arrays; not thread-safe.
 */
public final class SegformerModel implements AutoCloseable {

    public static final String PIXELS = "pixel_values";
    public static final String LOGITS = "segformer.logits";
    public static final String UPSAMPLED = "segformer.upsampled_logits";

    /** HF LayerNorms use torch's default eps, whatever config.layer_norm_eps says (it is never read). */
    static final double LN_EPS = 1e-5;
    static final double BN_EPS = 1e-5;

    /** HF checkpoints: the BatchNorm step counter is not a parameter here. */
    public static final KeyMapping HF = KeyMapping.builder().ignore(".*num_batches_tracked$").build();

    /**
     * NVlabs/DAFormer mmseg names ({@code backbone.patch_embed1…}, {@code attn.kv}, {@code decode_head.linear_c1…}) →
     * transformers names, the rules of transformers' {@code convert_segformer_original_to_pytorch.py} in its order
     * (SPECS §6.3); {@code kv} is split into key (first half) and value. {@code conv_seg} is unused.
     */
    public static final KeyMapping NVLABS = nvlabs();

    /**
     * DAFormer's own head layout on top of {@link #NVLABS}: {@code linear_c} is a ModuleDict ({@code linear_c.0…3}, no
     * renumbering) and the stages are concatenated c1…c4 (transformers: c4…c1), so {@code linear_fuse}'s input-channel
     * blocks come reversed. A DAFormer UDA checkpoint's student ({@code model.}) is what DAFormer's test.py evaluates;
     * its {@code ema_model.}/{@code imnet_model.} copies are skipped.
     */
    public static final KeyMapping DAFORMER = KeyMapping.builder().ignore("^(module\\.)?(ema_model|imnet_model)\\..*")
            .ignore("^(module\\.)?(model\\.)?decode_head\\.conv_seg\\..*")
            .rename("^module\\.", "").rename("^model\\.", "")
            .rename("^decode_head\\.linear_fuse\\.conv\\.weight$", "decode_head.linear_fuse.weight",
                    KeyMapping.Transform.REVERSE_INPUT_BLOCKS)
            .build().orElse(NVLABS);

    private static KeyMapping nvlabs() {
        KeyMapping.Builder b = KeyMapping.builder().ignore(".*num_batches_tracked$").ignore("^decode_head\\.conv_seg\\..*")
                .rename("^backbone\\.", "segformer.encoder.");
        for (int k = 1; k <= 4; k++) {
            b.rename("patch_embed" + k + "\\.", "patch_embeddings." + (k - 1) + ".");
        }
        b.rename("norm", "layer_norm");
        for (int k = 1; k <= 4; k++) {
            b.rename("^segformer\\.encoder\\.layer_norm" + k + "\\.", "segformer.encoder.layer_norm." + (k - 1) + ".");
        }
        b.rename("layer_norm1", "layer_norm_1").rename("layer_norm2", "layer_norm_2");
        for (int k = 1; k <= 4; k++) {
            b.rename("\\.block" + k + "\\.", ".block." + (k - 1) + ".");
        }
        b.rename("attn\\.q\\.", "attention.self.query.").rename("attn\\.proj\\.", "attention.output.dense.")
                .rename("attn\\.", "attention.self.").rename("fc1", "dense1").rename("fc2", "dense2")
                .rename("linear_pred", "classifier").rename("linear_fuse\\.conv\\.", "linear_fuse.")
                .rename("linear_fuse\\.bn\\.", "batch_norm.");
        for (int k = 1; k <= 4; k++) {
            b.rename("linear_c" + k + "\\.", "linear_c." + (k - 1) + ".");
        }
        return b.split("attention\\.self\\.kv\\.", "attention.self.key.", "attention.self.value.").build();
    }

    /**
     * An ImageNet-pretrained MiT encoder ({@code mit_b5.pth} converted to safetensors: NVlabs names without
     * {@code backbone.}, or transformers' {@code nvidia/mit-b5}) with a freshly initialised decode head — how DAFormer
     * starts. The classification head is ignored; anything missing outside {@code decode_head.} is an error.
     */
    public static SegformerModel loadBackbone(SegformerConfig config, Path... weights) {
        java.util.function.Function<List<dev.udadiffusion.core.safetensors.TensorSource>, KeyMapping> table = srcs -> {
            boolean hf = srcs.stream().anyMatch(t -> t.names().stream().anyMatch(n -> n.startsWith("segformer.")));
            return hf ? KeyMapping.builder().ignore("^classifier\\..*").build().orElse(HF)
                    : KeyMapping.builder().ignore("^head\\..*").rename("^(patch_embed|block|norm)", "backbone.$1").build()
                            .orElse(NVLABS);
        };
        try (Checkpoint ck = Checkpoint.open(table, weights)) {
            SegformerModel m = new SegformerModel(config, Params.load(Graphs.newSameDiff(), DataType.FLOAT, ck));
            List<String> encoderMissing = m.report.missing().stream().filter(k -> !k.startsWith("decode_head.")).toList();
            if (!encoderMissing.isEmpty() || !m.report.unexpected().isEmpty() || !m.report.mismatched().isEmpty()
                    || !m.report.conflicts().isEmpty()) {
                m.close();
                throw new IllegalArgumentException("not a MiT backbone for this config: " + m.report.describe());
            }
            return m;
        }
    }

    /**
     * HF names; NVlabs mmseg names when the checkpoint has {@code backbone.*} keys; DAFormer's when its head is a
     * ModuleDict ({@code decode_head.linear_c.0.}) or the weights sit under a UDA wrapper ({@code model.backbone.}).
     */
    static KeyMapping detect(List<dev.udadiffusion.core.safetensors.TensorSource> sources) {
        boolean mmseg = false;
        boolean moduleDictHead = false; // transformers' head has the same linear_c.N keys: only with backbone.* it is DAFormer's
        for (var src : sources) {
            for (String n : src.names()) {
                String k = n.replaceFirst("^module\\.", "");
                if (k.startsWith("model.backbone.")) {
                    return DAFORMER;
                }
                mmseg |= k.startsWith("backbone.");
                moduleDictHead |= k.matches("^decode_head\\.linear_c\\.\\d+\\..*");
            }
        }
        return mmseg ? (moduleDictHead ? DAFORMER : NVLABS) : HF;
    }

    /** A built graph with the names of its intermediate outputs. */
    public record Graph(SameDiff sd, Params params, long height, long width, long[][] stageSizes) {
    }

    private record Key(long h, long w) {
    }

    private final SegformerConfig config;
    private final Params root;
    private final LoadReport report;
    private final GraphCache<Key, Graph> graphs;

    private SegformerModel(SegformerConfig config, Params root) {
        this.config = config;
        this.root = root;
        this.graphs = new GraphCache<>(k -> build(Params.shared(Graphs.newSameDiff(), root), k.h(), k.w()));
        Graph g = build(root, 64, 64);
        graphs.put(new Key(64, 64), g);
        this.report = root.report();
    }

    public static SegformerModel random(SegformerConfig config, long seed) {
        return new SegformerModel(config, Params.init(Graphs.newSameDiff(), DataType.FLOAT, seed));
    }

    public static SegformerModel load(SegformerConfig config, Path... weights) {
        try (Checkpoint ck = Checkpoint.open(SegformerModel::detect, weights)) {
            SegformerModel m = new SegformerModel(config, Params.load(Graphs.newSameDiff(), DataType.FLOAT, ck));
            m.report.requireClean();
            return m;
        }
    }

    /**
     * A transformers folder ({@code config.json} + {@code model.safetensors}, or the only {@code *.safetensors}, or a
     * sharded index) — what {@code save_pretrained} writes and what {@link #save(Path)} writes.
     */
    public static SegformerModel load(Path folder) {
        SegformerConfig config = Configs.read(PretrainedFolder.config(folder), SegformerConfig.class);
        return load(config, PretrainedFolder.weights(folder, PretrainedFolder.TRANSFORMERS, true));
    }

    /**
     * Writes a transformers folder: config.json ({@code model_type}, {@code architectures} and {@code id2label} with the
     * Cityscapes names when the config has none) and model.safetensors under transformers' names.
     */
    public void save(Path folder) {
        ObjectNode cfg = (ObjectNode) Configs.toJsonTree(config);
        cfg.put("model_type", "segformer");
        cfg.putArray("architectures").add("SegformerForSemanticSegmentation");
        if (cfg.path("id2label").isNull() || cfg.path("id2label").isMissingNode()) {
            ObjectNode id2label = cfg.putObject("id2label");
            for (int c = 0; c < config.numLabels(); c++) {
                id2label.put(Integer.toString(c), c < CityscapesClasses.COUNT ? CityscapesClasses.name(c) : "class" + c);
            }
        }
        PretrainedFolder.save(folder, cfg.toPrettyString(), root, PretrainedFolder.TRANSFORMERS);
    }

    public SegformerConfig config() {
        return config;
    }

    public Params params() {
        return root;
    }

    public LoadReport loadReport() {
        return report;
    }

    /** The graph for images of size h×w. */
    public Graph graph(long h, long w) {
        long minSide = (long) config.srRatios().get(0) * 4;
        if (h < minSide - 3 || w < minSide - 3) {
            throw new IllegalArgumentException("images must be at least " + (minSide - 3) + " pixels on each side, got "
                    + w + "x" + h);
        }
        return graphs.get(new Key(h, w));
    }

    /** Stage grid sizes for an input: conv k/s/p=k//2 gives ceil-like sizes. */
    long[][] stageSizes(long h, long w) {
        long[][] s = new long[config.numEncoderBlocks()][2];
        long ch = h;
        long cw = w;
        for (int i = 0; i < s.length; i++) {
            int k = config.patchSizes().get(i);
            int st = config.strides().get(i);
            ch = (ch + 2L * (k / 2) - k) / st + 1;
            cw = (cw + 2L * (k / 2) - k) / st + 1;
            s[i][0] = ch;
            s[i][1] = cw;
        }
        return s;
    }

    private Graph build(Params p, long h, long w) {
        return build(p, h, w, false);
    }

    /** Output names of the training graph. */
    public static final String LOSS = "segformer.loss";
    public static final String TARGET = "target_onehot";
    public static final String N_VALID = "n_valid";
    public static final String BN_MEAN = "segformer.bn.batch_mean";
    public static final String BN_VAR = "segformer.bn.batch_var_biased";

    /**
     * A training graph for h×w crops: BatchNorm on batch statistics (outputs {@link #BN_MEAN}, {@link #BN_VAR}), and
     * cross-entropy with ignored pixels: {@code loss = −Σ target_onehot · log_softmax(upsampled logits) / n_valid}, where
     * the one-hot target is all zeros at ignored pixels. Shares the model's arrays.
     */
    public dev.udadiffusion.core.train.TrainingGraph trainingGraph(long h, long w) {
        Params p = Params.shared(Graphs.newTrainingSameDiff(), root);
        Graph g = build(p, h, w, true);
        java.util.Map<String, String> train = new java.util.LinkedHashMap<>();
        for (String k : p.specs().keySet()) {
            if (!k.contains("running_")) {
                train.put(k, p.varName(k));
            }
        }
        return new dev.udadiffusion.core.train.TrainingGraph(g.sd(), LOSS, train, p);
    }

    private Graph build(Params p, long h, long w, boolean train) {
        SameDiff sd = p.sameDiff();
        SegformerConfig c = config;
        SDVariable x = sd.placeHolder(PIXELS, DataType.FLOAT, -1, c.numChannels(), h, w);
        long[][] sizes = stageSizes(h, w);
        List<SDVariable> stages = new ArrayList<>();
        SDVariable in = x;
        int inCh = c.numChannels();
        for (int i = 0; i < c.numEncoderBlocks(); i++) {
            int dim = c.hiddenSizes().get(i);
            long hh = sizes[i][0];
            long ww = sizes[i][1];
            long n = hh * ww;
            // 1. overlapping patch embedding: conv, flatten to tokens, LayerNorm
            String pe = "segformer.encoder.patch_embeddings." + i;
            int k = c.patchSizes().get(i);
            SDVariable e = Conv2d.forward(p, pe + ".proj", in, inCh, dim, k, c.strides().get(i), k / 2, true);
            SDVariable tokens = e.permute(0, 2, 3, 1).reshape(-1, n, dim); // [B, C, h, w] -> [B, h*w, C]
            tokens = sd.identity("segformer.patch_embeddings." + i,
                    LayerNorm.forward(p, pe + ".layer_norm", tokens, 3, dim, LN_EPS));
            // 2. transformer layers
            for (int j = 0; j < c.depths().get(i); j++) {
                tokens = SegformerLayer.forward(p, "segformer.encoder.block." + i + "." + j, tokens, dim,
                        c.numAttentionHeads().get(i), c.srRatios().get(i), c.mlpRatios().get(i), hh, ww,
                        "segformer.attentions." + i + "." + j);
            }
            // 3. stage LayerNorm, back to NCHW
            SDVariable normed = LayerNorm.forward(p, "segformer.encoder.layer_norm." + i, tokens, 3, dim, LN_EPS);
            SDVariable nchw = sd.identity("segformer.hidden_states." + i, normed.reshape(-1, hh, ww, dim).permute(0, 3, 1, 2));
            stages.add(nchw);
            in = nchw;
            inCh = dim;
        }
        // 4. decode head
        int d = c.decoderHiddenSize();
        long h1 = sizes[0][0];
        long w1 = sizes[0][1];
        List<SDVariable> proj = new ArrayList<>();
        for (int i = 0; i < stages.size(); i++) {
            long hh = sizes[i][0];
            long ww = sizes[i][1];
            int dim = c.hiddenSizes().get(i);
            SDVariable t = stages.get(i).permute(0, 2, 3, 1).reshape(-1, hh * ww, dim);
            SDVariable m = Linear.forward(p, "decode_head.linear_c." + i + ".proj", t, 3, dim, d, true, new long[] {hh * ww});
            SDVariable img = m.reshape(-1, hh, ww, d).permute(0, 3, 1, 2);
            proj.add(hh == h1 && ww == w1 ? img : Resize.bilinear(sd, img, (int) hh, (int) ww, (int) h1, (int) w1, false));
        }
        java.util.Collections.reverse(proj); // HF concatenates [c4, c3, c2, c1]
        SDVariable concat = sd.identity("segformer.decode_head.concat", sd.concat(1, proj.toArray(new SDVariable[0])));
        SDVariable fused = sd.identity("segformer.decode_head.fused",
                Conv2d.forward(p, "decode_head.linear_fuse", concat, d * stages.size(), d, 1, 1, 0, false));
        SDVariable bn = sd.identity("segformer.decode_head.bn", train ? batchNormTrain(p, "decode_head.batch_norm", fused, d)
                : batchNorm(p, "decode_head.batch_norm", fused, d));
        SDVariable relu = sd.identity("segformer.decode_head.bn_relu", Activations.relu(sd, bn));
        SDVariable logits = sd.identity(LOGITS,
                Conv2d.forward(p, "decode_head.classifier", relu, d, c.numLabels(), 1, 1, 0, true));
        SDVariable up = sd.identity(UPSAMPLED, Resize.bilinear(sd, logits, (int) h1, (int) w1, (int) h, (int) w, false));
        if (train) {
            SDVariable target = sd.placeHolder(TARGET, DataType.FLOAT, -1, c.numLabels(), h, w);
            SDVariable nValid = sd.placeHolder(N_VALID, DataType.FLOAT);
            // M2.1's LogSoftMax op cannot be cloned for the gradient graph ("Error setting property"): compose it.
            // The max shift only guards exp against overflow and log-softmax does not depend on it, so its gradient is
            // zero; M2.1 still runs a reduce_max backward for it (12 % of a toy step, even behind StopGradient). Shifting
            // by the max truncated to an integer keeps the guard (exp ≤ e) and ends the gradient path at the int cast.
            SDVariable shifted = up.sub(up.max(true, 1).castTo(DataType.INT32).castTo(DataType.FLOAT));
            SDVariable logp = shifted.sub(sd.math().log(sd.math().exp(shifted).sum(true, 1)));
            logp.mul(target).sum().neg().div(nValid).rename(LOSS);
        }
        return new Graph(sd, p, h, w, sizes);
    }

    /** BatchNorm2d in eval mode: running statistics (buffers running_mean / running_var, not trained). */
    static SDVariable batchNorm(Params p, String prefix, SDVariable x, int c) {
        SDVariable mean = p.get(prefix + ".running_mean", new long[] {c}, Layout.TORCH, Init.zeros());
        SDVariable var = p.get(prefix + ".running_var", new long[] {c}, Layout.TORCH, Init.ones());
        SDVariable wt = p.get(prefix + ".weight", new long[] {c}, Layout.TORCH, Init.ones());
        SDVariable b = p.get(prefix + ".bias", new long[] {c}, Layout.TORCH, Init.zeros());
        SDVariable scale = wt.mul(p.sameDiff().math().rsqrt(var.add(BN_EPS))).reshape(1, c, 1, 1);
        return x.sub(mean.reshape(1, c, 1, 1)).mul(scale).add(b.reshape(1, c, 1, 1));
    }

    /** Train-mode BatchNorm2d: batch mean and biased variance over (N, H, W); gradients flow through them. */
    static SDVariable batchNormTrain(Params p, String prefix, SDVariable x, int c) {
        SameDiff sd = p.sameDiff();
        p.get(prefix + ".running_mean", new long[] {c}, Layout.TORCH, Init.zeros());
        p.get(prefix + ".running_var", new long[] {c}, Layout.TORCH, Init.ones());
        SDVariable wt = p.get(prefix + ".weight", new long[] {c}, Layout.TORCH, Init.ones());
        SDVariable b = p.get(prefix + ".bias", new long[] {c}, Layout.TORCH, Init.zeros());
        SDVariable mean = x.mean(true, 0, 2, 3); // [1, C, 1, 1]
        SDVariable centered = x.sub(mean);
        SDVariable var = centered.mul(centered).mean(true, 0, 2, 3);
        sd.identity(BN_MEAN, mean.reshape(c));
        sd.identity(BN_VAR, var.reshape(c));
        return centered.mul(sd.math().rsqrt(var.add(BN_EPS))).mul(wt.reshape(1, c, 1, 1)).add(b.reshape(1, c, 1, 1));
    }

    /**
     * Updates the BatchNorm running statistics after a train-mode forward, as torch does (momentum 0.1, unbiased
     * variance): running = 0.9·running + 0.1·batch.
     */
    public void updateRunningStats(INDArray batchMean, INDArray batchVarBiased, long n) {
        INDArray rm = root.array("decode_head.batch_norm.running_mean");
        INDArray rv = root.array("decode_head.batch_norm.running_var");
        rm.muli(0.9).addi(batchMean.mul(0.1));
        rv.muli(0.9).addi(batchVarBiased.mul((double) n / (n - 1)).muli(0.1));
    }

    /** Logits [B, labels, h/4, w/4] and upsampled logits [B, labels, H, W] of images [B, 3, H, W]. */
    public Map<String, INDArray> forward(INDArray pixels, String... extraOutputs) {
        Graph g = graph(pixels.size(2), pixels.size(3));
        List<String> names = new ArrayList<>(List.of(LOGITS, UPSAMPLED));
        names.addAll(List.of(extraOutputs));
        return g.sd().output(Map.of(PIXELS, pixels.castTo(DataType.FLOAT)), names.toArray(new String[0]));
    }

    @Override
    public void close() {
        root.release();
        graphs.clear();
    }

}
