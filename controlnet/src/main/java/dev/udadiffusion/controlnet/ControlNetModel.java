package dev.udadiffusion.controlnet;

import dev.udadiffusion.core.nn.GraphCache;
import dev.udadiffusion.core.nn.Graphs;
import dev.udadiffusion.core.state.Checkpoint;
import dev.udadiffusion.core.state.LoadReport;
import dev.udadiffusion.core.state.ParamSpec;
import dev.udadiffusion.core.state.Params;
import dev.udadiffusion.core.state.PretrainedFolder;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import dev.udadiffusion.diffusion.unet.UNetEncoder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * diffusers {@code ControlNetModel}: a trainable copy of the U-Net encoder and mid block that also sees a
 * conditioning image (here: a one-hot segmentation mask), emitting one residual per U-Net skip tensor plus one for the
 * mid block through zero-initialised 1×1 convolutions, each multiplied by the conditioning scale.
 *
 * <p>One graph per latent size; all graphs share the parameter arrays. Owns its arrays; not thread-safe.
 */
public final class ControlNetModel implements AutoCloseable {

    public static final String COND = "controlnet_cond";
    public static final String SCALES = "conditioning_scales";
    public static final String DOWN = "controlnet.down.";
    public static final String MID = "controlnet.mid";
    public static final String COND_EMBEDDING = "controlnet.cond_embedding";

    /** The residuals for the U-Net: one per skip tensor, and the mid-block one. */
    public record Residuals(List<INDArray> down, INDArray mid) {
    }

    /** A built graph. */
    public record Graph(SameDiff sd, Params params, long height, long width, int numDown) {
    }

    private record Key(long h, long w) {
    }

    private final ControlNetConfig config;
    private final Params root;
    private final LoadReport report;
    private final GraphCache<Key, Graph> graphs;

    private ControlNetModel(ControlNetConfig config, Params root) {
        this.config = config;
        this.root = root;
        this.graphs = new GraphCache<>(k -> build(Params.shared(Graphs.newSameDiff(), root), k.h(), k.w()));
        int s = config.unet().sampleSize();
        graphs.put(new Key(s, s), build(root, s, s));
        this.report = root.report();
    }

    public static ControlNetModel random(ControlNetConfig config, long seed) {
        return new ControlNetModel(config, Params.init(Graphs.newSameDiff(), DataType.FLOAT, seed));
    }

    /** Loads diffusers-named or original ({@code control_model.*}) weights strictly. */
    public static ControlNetModel load(ControlNetConfig config, Path... weights) {
        try (Checkpoint ck = Checkpoint.open(sources -> ControlNetKeys.detect(sources, config), weights)) {
            ControlNetModel m = new ControlNetModel(config, Params.loadStrict(Graphs.newSameDiff(), DataType.FLOAT, ck));
            m.report.requireClean();
            return m;
        }
    }

    /** Loads a diffusers ControlNet folder (config.json + diffusion_pytorch_model.safetensors or its index). */
    public static ControlNetModel load(Path folder) {
        return load(ControlNetConfig.read(PretrainedFolder.config(folder)),
                PretrainedFolder.weights(folder, PretrainedFolder.DIFFUSERS, false));
    }

    /** Writes a diffusers ControlNet folder that {@link #load(Path)} and diffusers' {@code from_pretrained} read. */
    public void save(Path folder) {
        PretrainedFolder.save(folder, config.toJson(), root, PretrainedFolder.DIFFUSERS);
    }

    /**
     * diffusers' {@code ControlNetModel.from_unet}: the encoder and mid-block weights copied from {@code unet}, the
     * conditioning embedding initialised as torch does (seeded) with a zero conv_out, and all zero convolutions zero.
     */
    public static ControlNetModel fromUnet(UNet2DConditionModel unet, ControlNetConfig config, long seed) {
        ControlNetModel m = random(config, seed);
        for (ParamSpec spec : m.root.specs().values()) {
            if (unet.params().specs().containsKey(spec.key())) {
                if (!unet.params().specs().get(spec.key()).equals(spec)) {
                    throw new IllegalArgumentException("U-Net parameter " + spec.key() + " does not fit the ControlNet config");
                }
                m.root.array(spec.key()).assign(unet.params().array(spec.key()));
            }
        }
        return m;
    }

    /**
     * True for the parameters of ControlNet's zero convolutions: the output convolutions after every down-block skip
     * and the mid block, and the conditioning embedding's last convolution (the input "zero convolution" of the paper).
     */
    public static boolean isZeroConvolution(String key) {
        return key.startsWith("controlnet_down_blocks.") || key.startsWith("controlnet_mid_block.")
                || key.startsWith("controlnet_cond_embedding.conv_out.");
    }

    /**
     * The thesis's lightweight ControlNet (§5.1), ready to train with only its zero convolutions: every other weight
     * stays the trained full ControlNet's (frozen copies), and the zero convolutions start again at zero, so the
     * control the model learns passes through them alone. Changes this model in place and returns it.
     */
    public ControlNetModel resetZeroConvolutions() {
        for (String key : root.specs().keySet()) {
            if (isZeroConvolution(key)) {
                root.array(key).assign(0);
            }
        }
        return this;
    }

    public ControlNetConfig config() {
        return config;
    }

    public Params params() {
        return root;
    }

    public LoadReport loadReport() {
        return report;
    }

    /** As {@link UNet2DConditionModel#setAttentionQueryChunk}. */
    public ControlNetModel setAttentionQueryChunk(int tokens) {
        graphs.setQueryChunk(tokens);
        return this;
    }

    /** The graph for latents of size h×w (conditioning images are 8× larger). */
    public Graph graph(long h, long w) {
        int m = config.unet().sizeMultiple();
        if (h % m != 0 || w % m != 0) {
            throw new IllegalArgumentException("latent height and width must be multiples of " + m + ", got " + h + "x" + w);
        }
        return graphs.get(new Key(h, w));
    }

    private Graph build(Params p, long h, long w) {
        SameDiff sd = p.sameDiff();
        var u = config.unet();
        SDVariable sample = sd.placeHolder(UNet2DConditionModel.SAMPLE, DataType.FLOAT, -1, u.inChannels(), h, w);
        SDVariable timesteps = sd.placeHolder(UNet2DConditionModel.TIMESTEPS, DataType.FLOAT, -1);
        SDVariable context = sd.placeHolder(UNet2DConditionModel.CONTEXT, DataType.FLOAT, -1, -1, u.crossDim());
        SDVariable cond = sd.placeHolder(COND, DataType.FLOAT, -1, config.conditioningChannels(), h * config.downscale(),
                w * config.downscale());
        SDVariable scales = sd.placeHolder(SCALES, DataType.FLOAT, -1); // one scale per residual (13 for SD1.5)
        List<SDVariable> res = buildOn(p, sample, timesteps, context, cond, scales, h, w);
        for (int i = 0; i < res.size() - 1; i++) {
            sd.identity(DOWN + i, res.get(i));
        }
        sd.identity(MID, res.get(res.size() - 1));
        return new Graph(sd, p, h, w, res.size() - 1);
    }

    /**
     * Builds the ControlNet on given inputs in {@code p}'s graph (for composite graphs such as ControlNet training).
     * {@code scales} holds one factor per residual. Returns the down residuals followed by the mid residual.
     */
    public List<SDVariable> buildOn(Params p, SDVariable sample, SDVariable timesteps, SDVariable context, SDVariable cond,
            SDVariable scales, long h, long w) {
        SameDiff sd = p.sameDiff();
        var u = config.unet();
        int c0 = u.blockOutChannels().get(0);
        // 1.-2. conditioning embedding, added to conv_in(sample)
        SDVariable emb = ControlNetConditioningEmbedding.forward(p, "controlnet_cond_embedding", cond,
                config.conditioningChannels(), config.conditioningEmbeddingOutChannels(), c0);
        if (!sd.hasVariable(COND_EMBEDDING)) {
            sd.identity(COND_EMBEDDING, emb);
        }
        // 3.-4. the U-Net encoder and mid block
        UNetEncoder.Result enc = UNetEncoder.forward(p, u, sample, timesteps, context, h, w, graphs.queryChunk(), x -> x.add(emb));
        // 5. zero convolutions, scaled
        List<SDVariable> skips = enc.skips();
        List<SDVariable> out = new ArrayList<>();
        for (int i = 0; i < skips.size(); i++) {
            long ch = channels(i);
            SDVariable r = ControlNetConditioningEmbedding.zeroConv(p, "controlnet_down_blocks." + i, skips.get(i), (int) ch,
                    (int) ch, 1, 0);
            out.add(r.mul(scales.get(SDIndex.point(i))));
        }
        int top = u.blockOutChannels().get(u.blockOutChannels().size() - 1);
        SDVariable mid = ControlNetConditioningEmbedding.zeroConv(p, "controlnet_mid_block", enc.mid(), top, top, 1, 0);
        out.add(mid.mul(scales.get(SDIndex.point(skips.size()))));
        return out;
    }

    /** Channels of skip tensor i (conv_in, then per block layers_per_block ResNet outputs and a downsampler). */
    long channels(int i) {
        var u = config.unet();
        if (i == 0) {
            return u.blockOutChannels().get(0);
        }
        int perBlock = u.layersPerBlock() + 1;
        return u.blockOutChannels().get(Math.min((i - 1) / perBlock, u.blockOutChannels().size() - 1));
    }

    /**
     * Residuals for the U-Net. {@code cond} is the conditioning image [B, C, 8h, 8w] (batch matching the sample, i.e.
     * doubled for classifier-free guidance). Guess mode scales the residuals by logspace(−1, 0, n+1)·scale, else all
     * by {@code scale}.
     */
    public Residuals forward(INDArray sample, INDArray timesteps, INDArray encoderHiddenStates, INDArray cond,
            double scale, boolean guessMode) {
        Graph g = graph(sample.size(2), sample.size(3));
        int n = g.numDown() + 1;
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            s[i] = (float) (guessMode ? Math.pow(10, -1 + (double) i / (n - 1)) * scale : scale);
        }
        int f = config.downscale();
        if (cond.size(0) != sample.size(0) || cond.size(2) != sample.size(2) * f || cond.size(3) != sample.size(3) * f) {
            throw new IllegalArgumentException("conditioning image " + Arrays.toString(cond.shape())
                    + " does not match latents " + Arrays.toString(sample.shape()) + " (batch, " + f
                    + "x size: the ControlNet's conditioning embedding must downsample as much as the VAE)");
        }
        INDArray c = cond;
        if (config.channelOrder().equals("bgr")) { // torch.flip(cond, dims=[1])
            long[] rev = new long[(int) cond.size(1)];
            for (int i = 0; i < rev.length; i++) {
                rev[i] = rev.length - 1 - i;
            }
            c = cond.get(NDArrayIndex.all(), NDArrayIndex.indices(rev),
                    NDArrayIndex.all(), NDArrayIndex.all()).dup();
        }
        Map<String, INDArray> feeds = new HashMap<>();
        feeds.put(UNet2DConditionModel.SAMPLE, sample.castTo(DataType.FLOAT));
        feeds.put(UNet2DConditionModel.TIMESTEPS, UNet2DConditionModel.batchTimesteps(timesteps, sample.size(0)));
        feeds.put(UNet2DConditionModel.CONTEXT, encoderHiddenStates.castTo(DataType.FLOAT));
        feeds.put(COND, c.castTo(DataType.FLOAT));
        feeds.put(SCALES, Nd4j.createFromArray(s));
        String[] names = new String[n];
        for (int i = 0; i < n - 1; i++) {
            names[i] = DOWN + i;
        }
        names[n - 1] = MID;
        Map<String, INDArray> o = g.sd().output(feeds, names);
        List<INDArray> down = new ArrayList<>();
        for (int i = 0; i < n - 1; i++) {
            down.add(o.get(DOWN + i));
        }
        return new Residuals(down, o.get(MID));
    }

    /** The conditioning embedding alone (for checks): [B, C0, h, w]. */
    public INDArray conditioningEmbedding(INDArray cond, long h, long w) {
        Graph g = graph(h, w);
        return g.sd().output(Map.of(COND, cond.castTo(DataType.FLOAT)), COND_EMBEDDING).get(COND_EMBEDDING);
    }

    @Override
    public void close() {
        root.release();
        graphs.clear();
    }
}
