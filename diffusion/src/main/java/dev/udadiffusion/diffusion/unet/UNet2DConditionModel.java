package dev.udadiffusion.diffusion.unet;

import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.nn.Activations;
import dev.udadiffusion.core.nn.Conv2d;
import dev.udadiffusion.core.nn.GraphCache;
import dev.udadiffusion.core.nn.Graphs;
import dev.udadiffusion.core.nn.GroupNorm;
import dev.udadiffusion.core.nn.Size2d;
import dev.udadiffusion.core.state.Checkpoint;
import dev.udadiffusion.core.state.LoadReport;
import dev.udadiffusion.core.state.Params;
import dev.udadiffusion.core.state.PretrainedFolder;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * diffusers {@code UNet2DConditionModel} (SD1.x/2.x): predicts noise (or v) from noisy latents, timesteps and text
 * embeddings, optionally with ControlNet residuals added to the skip connections and the mid-block output.
 *
 * <p>One SameDiff graph is built per latent size (so attention knows its token count and processes queries in
 * bounded chunks) and per residual mode; all graphs share the same parameter arrays. Owns its arrays; not thread-safe.
 */
public final class UNet2DConditionModel implements AutoCloseable {

    public static final String SAMPLE = "sample";
    public static final String TIMESTEPS = "timesteps";
    public static final String CONTEXT = "encoder_hidden_states";
    public static final String DOWN_RESIDUAL = "down_block_additional_residuals.";
    public static final String MID_RESIDUAL = "mid_block_additional_residual";
    public static final String OUTPUT = "unet.sample";

    /** A built graph: its SameDiff and parameters. */
    public record Graph(SameDiff sd, Params params, long height, long width, boolean residuals, int numResiduals) {
    }

    private record Key(long h, long w, boolean residuals) {
    }

    private final UNet2DConditionConfig config;
    private final Params root;
    private final LoadReport report;
    private final GraphCache<Key, Graph> graphs;

    private UNet2DConditionModel(UNet2DConditionConfig config, Params root) {
        this.config = config;
        this.root = root;
        this.graphs = new GraphCache<>(k -> build(Params.shared(Graphs.newSameDiff(), root), k.h(), k.w(), k.residuals()));
        Graph first = build(root, config.sampleSize(), config.sampleSize(), false);
        graphs.put(new Key(first.height(), first.width(), false), first);
        this.report = root.report();
    }

    public static UNet2DConditionModel random(UNet2DConditionConfig config, long seed) {
        return new UNet2DConditionModel(config, Params.init(Graphs.newSameDiff(), DataType.FLOAT, seed));
    }

    /** Loads diffusers- or LDM-named weights strictly (one error listing every key problem). */
    public static UNet2DConditionModel load(UNet2DConditionConfig config, Path... weights) {
        try (Checkpoint ck = Checkpoint.open(sources -> UNetKeys.detect(sources, config), weights)) {
            UNet2DConditionModel m = new UNet2DConditionModel(config, Params.loadStrict(Graphs.newSameDiff(), DataType.FLOAT, ck));
            m.report.requireClean();
            return m;
        }
    }

    /** Loads a diffusers {@code unet/} folder (config.json + diffusion_pytorch_model.safetensors or its index). */
    public static UNet2DConditionModel load(Path folder) {
        return load(UNet2DConditionConfig.read(PretrainedFolder.config(folder)),
                PretrainedFolder.weights(folder, PretrainedFolder.DIFFUSERS, false));
    }

    /** Writes a diffusers {@code unet/} folder that {@link #load(Path)} and diffusers' {@code from_pretrained} read. */
    public void save(Path folder) {
        PretrainedFolder.save(folder, Configs.toJson(config), root, PretrainedFolder.DIFFUSERS);
    }

    public UNet2DConditionConfig config() {
        return config;
    }

    /** Parameters of the first graph (the owner of all arrays). */
    public Params params() {
        return root;
    }

    public LoadReport loadReport() {
        return report;
    }

    /**
     * Attention processes queries in chunks of this many tokens (bounding the score tensor to
     * B·heads·chunk·keys floats). Applies to graphs built after the call; existing ones are dropped.
     */
    public UNet2DConditionModel setAttentionQueryChunk(int tokens) {
        graphs.setQueryChunk(tokens);
        return this;
    }

    /** The graph for latents of size h×w, with or without ControlNet residual inputs (built on first use). */
    public Graph graph(long h, long w, boolean residuals) {
        int m = config.sizeMultiple();
        if (h % m != 0 || w % m != 0) {
            throw new IllegalArgumentException("latent height and width must be multiples of " + m + ", got " + h + "x" + w);
        }
        return graphs.get(new Key(h, w, residuals));
    }

    /** Noise prediction for sample [B, C, h, w], timesteps [B] (or one value for all), text embeddings [B, S, D]. */
    public INDArray predict(INDArray sample, INDArray timesteps, INDArray encoderHiddenStates) {
        return predict(sample, timesteps, encoderHiddenStates, null, null);
    }

    /** The same, adding ControlNet residuals (one per skip tensor, plus the mid-block residual) when given. */
    public INDArray predict(INDArray sample, INDArray timesteps, INDArray encoderHiddenStates,
            List<INDArray> downResiduals, INDArray midResidual) {
        boolean res = downResiduals != null;
        Graph g = graph(sample.size(2), sample.size(3), res);
        Map<String, INDArray> feeds = new HashMap<>();
        feeds.put(SAMPLE, sample.castTo(DataType.FLOAT));
        feeds.put(TIMESTEPS, batchTimesteps(timesteps, sample.size(0)));
        feeds.put(CONTEXT, encoderHiddenStates.castTo(DataType.FLOAT));
        if (res) {
            if (downResiduals.size() != g.numResiduals() || midResidual == null) {
                throw new IllegalArgumentException("expected " + g.numResiduals() + " down residuals and a mid residual, got "
                        + downResiduals.size() + (midResidual == null ? " and no mid residual" : ""));
            }
            for (int i = 0; i < downResiduals.size(); i++) {
                feeds.put(DOWN_RESIDUAL + i, downResiduals.get(i).castTo(DataType.FLOAT));
            }
            feeds.put(MID_RESIDUAL, midResidual.castTo(DataType.FLOAT));
        }
        return g.sd().output(feeds, OUTPUT).get(OUTPUT);
    }

    /** Timesteps as float [B]: one value is repeated for the batch, as diffusers' {@code expand}. */
    public static INDArray batchTimesteps(INDArray t, long batch) {
        INDArray f = t.castTo(DataType.FLOAT).reshape(-1);
        if (f.length() == batch) {
            return f;
        }
        if (f.length() == 1) {
            return Nd4j.valueArrayOf(new long[] {batch}, f.getFloat(0), DataType.FLOAT);
        }
        throw new IllegalArgumentException("timesteps " + Arrays.toString(t.shape()) + " do not match batch " + batch);
    }

    private Graph build(Params p, long h, long w, boolean residuals) {
        SameDiff sd = p.sameDiff();
        UNet2DConditionConfig c = config;
        SDVariable sample = sd.placeHolder(SAMPLE, DataType.FLOAT, -1, c.inChannels(), h, w);
        SDVariable timesteps = sd.placeHolder(TIMESTEPS, DataType.FLOAT, -1);
        SDVariable context = sd.placeHolder(CONTEXT, DataType.FLOAT, -1, -1, c.crossDim());
        List<SDVariable> down = null;
        SDVariable mid = null;
        int numSkips = skipCount();
        if (residuals) {
            down = new ArrayList<>();
            for (int i = 0; i < numSkips; i++) {
                down.add(sd.placeHolder(DOWN_RESIDUAL + i, DataType.FLOAT, -1, -1, -1, -1));
            }
            mid = sd.placeHolder(MID_RESIDUAL, DataType.FLOAT, -1, -1, -1, -1);
        }
        sd.identity(OUTPUT, buildOn(p, sample, timesteps, context, down, mid, h, w));
        return new Graph(sd, p, h, w, residuals, numSkips);
    }

    /** Number of skip tensors (= ControlNet down residuals): conv_in, layers per block, downsamplers. */
    public int skipCount() {
        int n = config.blockOutChannels().size();
        return 1 + n * config.layersPerBlock() + (n - 1);
    }

    /**
     * Builds the U-Net on given inputs in {@code p}'s graph (for composite graphs such as ControlNet training):
     * sample [B, C, h, w], timesteps [B], context [B, S, D], optional residuals. Returns the prediction.
     */
    public SDVariable buildOn(Params p, SDVariable sample, SDVariable timesteps, SDVariable context,
            List<SDVariable> downResiduals, SDVariable midResidual, long h, long w) {
        SameDiff sd = p.sameDiff();
        UNet2DConditionConfig c = config;
        List<Integer> ch = c.blockOutChannels();
        List<Integer> heads = c.heads();
        List<Integer> layers = c.transformerLayers();
        int n = ch.size();
        // 0.-3. time embedding, conv_in, down blocks; 5. mid block (shared with ControlNet)
        UNetEncoder.Result enc = UNetEncoder.forward(p, c, sample, timesteps, context, h, w, graphs.queryChunk(), v -> v);
        List<SDVariable> skips = new ArrayList<>(enc.skips());
        UNetContext ctx = new UNetContext(p, enc.temb(), context, c, h, w, graphs.queryChunk());
        // 4. ControlNet residuals on the skips and the mid-block output
        SDVariable hs = enc.mid();
        if (downResiduals != null) {
            if (downResiduals.size() != skips.size()) {
                throw new IllegalArgumentException("expected " + skips.size() + " down residuals, got " + downResiduals.size());
            }
            for (int i = 0; i < skips.size(); i++) {
                skips.set(i, skips.get(i).add(downResiduals.get(i)));
            }
            hs = hs.add(midResidual);
        }
        int top = ch.get(n - 1);
        // 6. up
        ArrayDeque<SDVariable> stack = new ArrayDeque<>(skips);
        int prevOut = top;
        for (int i = 0; i < n; i++) {
            int out = ch.get(n - 1 - i);
            int skipIn = ch.get(Math.max(n - 2 - i, 0));
            boolean last = i == n - 1;
            boolean attn = c.upBlockTypes().get(i).equals("CrossAttnUpBlock2D");
            int level = n - 1 - i;
            hs = UpBlock2D.forward(ctx, "up_blocks." + i, hs, prevOut, out, skipIn, attn ? heads.get(level) : 0,
                    layers.get(level), level, !last, stack);
            prevOut = out;
        }
        // 7. post-process
        hs = GroupNorm.of(c.normNumGroups(), ch.get(0), c.normEps()).forward(p, "conv_norm_out", hs, new Size2d(h, w));
        hs = Activations.silu(sd, hs);
        hs = Conv2d.forward(p, "conv_out", hs, ch.get(0), c.outChannels(), 3, 1, 1, true);
        return hs;
    }


    @Override
    public void close() {
        root.release();
        graphs.clear();
    }
}
