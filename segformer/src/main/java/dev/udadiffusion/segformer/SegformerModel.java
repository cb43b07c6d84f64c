package dev.udadiffusion.segformer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.nn.GraphCache;
import dev.udadiffusion.core.nn.Graphs;
import dev.udadiffusion.core.nn.LayerNorm;
import dev.udadiffusion.core.nn.Resize;
import dev.udadiffusion.core.nn.Size2d;
import dev.udadiffusion.core.state.Checkpoint;
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

    /**
     * An ImageNet-pretrained MiT encoder ({@code mit_b5.pth} converted to safetensors: NVlabs names without
     * {@code backbone.}, or transformers' {@code nvidia/mit-b5}) with a freshly initialised decode head — how DAFormer
     * starts. The classification head is ignored; anything missing outside {@code decode_head.} is an error.
     */
    public static SegformerModel loadBackbone(SegformerConfig config, Path... weights) {
        try (Checkpoint ck = Checkpoint.open(SegformerKeys::backbone, weights)) {
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
        try (Checkpoint ck = Checkpoint.open(SegformerKeys::detect, weights)) {
            SegformerModel m = new SegformerModel(config, Params.loadStrict(Graphs.newSameDiff(), DataType.FLOAT, ck));
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
        return buildOn(p, h, w, null);
    }

    /**
     * Builds the network for h×w images in {@code p}'s graph (the training graph builds on it): pixels → logits →
     * upsampled logits, with the intermediate outputs named as in the parity fixtures. {@code bnStats} null: BatchNorm
     * in eval mode; otherwise in train mode, its batch mean and biased variance output under these two names.
     */
    public Graph buildOn(Params p, long h, long w, String[] bnStats) {
        SameDiff sd = p.sameDiff();
        SegformerConfig c = config;
        SDVariable x = sd.placeHolder(PIXELS, DataType.FLOAT, -1, c.numChannels(), h, w);
        long[][] sizes = stageSizes(h, w);
        List<Size2d> grids = new ArrayList<>();
        List<SDVariable> stages = new ArrayList<>();
        SDVariable in = x;
        int inCh = c.numChannels();
        for (int i = 0; i < c.numEncoderBlocks(); i++) {
            int dim = c.hiddenSizes().get(i);
            Size2d grid = new Size2d(sizes[i][0], sizes[i][1]);
            var embed = new SegformerOverlapPatchEmbeddings(inCh, dim, c.patchSizes().get(i), c.strides().get(i));
            SDVariable tokens = sd.identity("segformer.patch_embeddings." + i,
                    embed.forward(p, "segformer.encoder.patch_embeddings." + i, in, grid));
            var layer = new SegformerLayer(dim, c.numAttentionHeads().get(i), c.srRatios().get(i), c.mlpRatios().get(i));
            for (int j = 0; j < c.depths().get(i); j++) {
                tokens = layer.forward(p, "segformer.encoder.block." + i + "." + j, tokens, grid,
                        "segformer.attentions." + i + "." + j);
            }
            // stage LayerNorm, back to NCHW
            SDVariable normed = LayerNorm.forward(p, "segformer.encoder.layer_norm." + i, tokens, 3, dim, LN_EPS);
            SDVariable nchw = sd.identity("segformer.hidden_states." + i,
                    normed.reshape(-1, grid.height(), grid.width(), dim).permute(0, 3, 1, 2));
            stages.add(nchw);
            grids.add(grid);
            in = nchw;
            inCh = dim;
        }
        SDVariable logits = sd.identity(LOGITS, new SegformerDecodeHead(c).forward(p, stages, grids, bnStats));
        Size2d first = grids.get(0);
        sd.identity(UPSAMPLED, Resize.bilinear(sd, logits, (int) first.height(), (int) first.width(), (int) h, (int) w, false));
        return new Graph(sd, p, h, w, sizes);
    }

    /**
     * Updates the BatchNorm running statistics after a train-mode forward, as torch does (momentum 0.1, unbiased
     * variance): running = 0.9·running + 0.1·batch.
     */
    public void updateRunningStats(INDArray batchMean, INDArray batchVarBiased, long n) {
        INDArray rm = root.array(SegformerDecodeHead.BN + ".running_mean");
        INDArray rv = root.array(SegformerDecodeHead.BN + ".running_var");
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
