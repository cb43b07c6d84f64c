package dev.udadiffusion.diffusion.clip;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.nn.Embedding;
import dev.udadiffusion.core.nn.Graphs;
import dev.udadiffusion.core.nn.LayerNorm;
import dev.udadiffusion.core.safetensors.DType;
import dev.udadiffusion.core.state.Checkpoint;
import dev.udadiffusion.core.state.KeyMapping;
import dev.udadiffusion.core.state.LoadReport;
import dev.udadiffusion.core.state.Params;
import dev.udadiffusion.core.state.PretrainedFolder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * transformers {@code CLIPTextModel} (the SD text encoder) as a SameDiff graph over a fixed sequence length
 * (max_position_embeddings, 77): token + position embeddings, pre-LN causal transformer layers, final LayerNorm.
 * No attention mask is applied (SD1.x passes none); the causal mask always is. Owns its arrays; not thread-safe.
 */
public final class CLIPTextModel implements AutoCloseable {

    public static final String IDS = "input_ids";
    public static final String LAST = "clip.last_hidden_state";
    public static final String HIDDEN = "clip.hidden_states.";
    public static final String SKIP = "clip.skip.";

    /** Single-file (LDM) checkpoints keep the text encoder under this prefix, with extra position_ids. */
    public static final KeyMapping LDM = KeyMapping.builder()
            .ignore("^(?!cond_stage_model\\.transformer\\.).*")
            .ignore(".*position_ids$")
            .rename("^cond_stage_model\\.transformer\\.", "")
            .build();
    /** transformers checkpoints may carry the position_ids buffer (older versions saved it). */
    public static final KeyMapping TRANSFORMERS = KeyMapping.builder().ignore(".*position_ids$").build();

    private final CLIPTextConfig config;
    private final SameDiff sd;
    private final Params params;
    private final LoadReport report;

    /** The encoder's outputs for a batch. */
    public record Output(INDArray lastHiddenState, INDArray pooled, List<INDArray> hiddenStates, Map<Integer, INDArray> clipSkip) {
    }

    private CLIPTextModel(CLIPTextConfig config, Params params) {
        this.config = config;
        this.sd = params.sameDiff();
        this.params = params;
        build();
        this.report = params.report();
    }

    public static CLIPTextModel random(CLIPTextConfig config, long seed) {
        return new CLIPTextModel(config, Params.init(Graphs.newSameDiff(), DataType.FLOAT, seed));
    }

    /** Loads transformers- or LDM-named weights strictly. */
    public static CLIPTextModel load(CLIPTextConfig config, Path... weights) {
        try (Checkpoint ck = Checkpoint.open(sources -> sources.stream().anyMatch(s -> s.names().stream().anyMatch(n -> n.startsWith("cond_stage_model."))) ? LDM : TRANSFORMERS, weights)) {
            CLIPTextModel m = new CLIPTextModel(config, Params.loadStrict(Graphs.newSameDiff(), DataType.FLOAT, ck));
            m.report.requireClean();
            return m;
        }
    }

    /** Loads a diffusers {@code text_encoder/} folder (config.json + model.safetensors or its index). */
    public static CLIPTextModel load(Path folder) {
        return load(CLIPTextConfig.read(PretrainedFolder.config(folder)),
                PretrainedFolder.weights(folder, PretrainedFolder.TRANSFORMERS, false));
    }

    /**
     * Writes a transformers {@code text_encoder/} folder (config.json naming {@code CLIPTextModel}, model.safetensors)
     * that {@link #load(Path)} and transformers' {@code from_pretrained} read.
     */
    public void save(Path folder) {
        PretrainedFolder.save(folder, configJson(), params, PretrainedFolder.TRANSFORMERS);
    }

    /** As {@link #save(Path)}, storing the weights as {@code storage} (the toy zoo keeps its text tower in F16). */
    public void save(Path folder, DType storage) {
        PretrainedFolder.save(folder, configJson(), params, PretrainedFolder.TRANSFORMERS, storage);
    }

    private String configJson() {
        ObjectNode cfg = (ObjectNode) Configs.toJsonTree(config);
        cfg.put("model_type", "clip_text_model");
        cfg.putArray("architectures").add("CLIPTextModel");
        return cfg.toPrettyString();
    }

    private void build() {
        CLIPTextConfig c = config;
        int t = c.maxPositionEmbeddings();
        int d = c.hiddenSize();
        SDVariable ids = sd.placeHolder(IDS, DataType.INT, -1, t);
        // 1. embeddings: token + position (positions 0..T-1)
        SDVariable tok = Embedding.forward(params, "text_model.embeddings.token_embedding", ids, 2, c.vocabSize(), d, false);
        SDVariable posIds = sd.constant(Nd4j.arange(t).castTo(DataType.INT).reshape(1, t));
        SDVariable pos = Embedding.forward(params, "text_model.embeddings.position_embedding", posIds, 2, t, d, false);
        SDVariable h = sd.identity(HIDDEN + 0, tok.add(pos));
        // 2. causal mask [1, 1, T, T]: -inf above the diagonal
        float[][] m = new float[t][t];
        for (int i = 0; i < t; i++) {
            for (int j = i + 1; j < t; j++) {
                m[i][j] = Float.NEGATIVE_INFINITY;
            }
        }
        SDVariable mask = sd.constant(Nd4j.create(m).reshape(1, 1, t, t));
        // 3. encoder layers
        List<SDVariable> hidden = new ArrayList<>();
        hidden.add(h);
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            h = CLIPEncoderLayer.forward(params, "text_model.encoder.layers." + i, h, mask, c, t);
            hidden.add(sd.identity(HIDDEN + (i + 1), h));
        }
        // 4. final LayerNorm; clip skip k = final_layer_norm(hidden_states[-(k+1)])
        sd.identity(LAST, LayerNorm.forward(params, "text_model.final_layer_norm", h, 3, d, c.layerNormEps()));
        for (int k = 1; k < c.numHiddenLayers(); k++) {
            SDVariable src = hidden.get(hidden.size() - 1 - k);
            sd.identity(SKIP + k, LayerNorm.forward(params, "text_model.final_layer_norm", src, 3, d, c.layerNormEps()));
        }
    }

    public CLIPTextConfig config() {
        return config;
    }

    public Params params() {
        return params;
    }

    public LoadReport loadReport() {
        return report;
    }

    /** The prompt embeddings SD conditions on (last_hidden_state, or final_layer_norm of an earlier layer with clip skip). */
    public INDArray encode(long[][] inputIds, int clipSkip) {
        if (clipSkip < 0 || clipSkip >= config.numHiddenLayers()) {
            throw new IllegalArgumentException("clip skip must be in 0.." + (config.numHiddenLayers() - 1));
        }
        String out = clipSkip == 0 ? LAST : SKIP + clipSkip;
        return sd.output(Map.of(IDS, ids(inputIds)), out).get(out);
    }

    /** All outputs: last hidden state, pooled output, every hidden state and every clip-skip embedding. */
    public Output forward(long[][] inputIds) {
        List<String> names = new ArrayList<>();
        names.add(LAST);
        for (int i = 0; i <= config.numHiddenLayers(); i++) {
            names.add(HIDDEN + i);
        }
        for (int k = 1; k < config.numHiddenLayers(); k++) {
            names.add(SKIP + k);
        }
        Map<String, INDArray> o = sd.output(Map.of(IDS, ids(inputIds)), names.toArray(new String[0]));
        List<INDArray> hs = new ArrayList<>();
        for (int i = 0; i <= config.numHiddenLayers(); i++) {
            hs.add(o.get(HIDDEN + i));
        }
        Map<Integer, INDArray> skip = new TreeMap<>();
        for (int k = 1; k < config.numHiddenLayers(); k++) {
            skip.put(k, o.get(SKIP + k));
        }
        return new Output(o.get(LAST), pool(o.get(LAST), inputIds), hs, skip);
    }

    /**
     * The pooled output: the last hidden state at the eos position. With the legacy eos_token_id 2 (SD1.x configs)
     * that is argmax(input_ids) (the first 49407); otherwise the first position holding eos_token_id.
     */
    public INDArray pool(INDArray last, long[][] inputIds) {
        INDArray out = Nd4j.create(DataType.FLOAT, inputIds.length, config.hiddenSize());
        for (int b = 0; b < inputIds.length; b++) {
            int at = 0;
            for (int j = 0; j < inputIds[b].length; j++) {
                boolean hit = config.eosTokenId() == 2 ? inputIds[b][j] > inputIds[b][at] : inputIds[b][j] == config.eosTokenId();
                if (hit) {
                    at = j;
                    if (config.eosTokenId() != 2) {
                        break;
                    }
                }
            }
            out.putRow(b, last.get(NDArrayIndex.point(b), NDArrayIndex.point(at), NDArrayIndex.all()));
        }
        return out;
    }

    private INDArray ids(long[][] inputIds) {
        int t = config.maxPositionEmbeddings();
        for (long[] row : inputIds) {
            if (row.length != t) {
                throw new IllegalArgumentException("input ids must have " + t + " tokens (pad with the tokenizer), got " + row.length);
            }
            for (long v : row) {
                if (v < 0 || v >= config.vocabSize()) {
                    throw new IllegalArgumentException("token id " + v + " outside the vocabulary of " + config.vocabSize());
                }
            }
        }
        return Nd4j.createFromArray(inputIds).castTo(DataType.INT);
    }

    @Override
    public void close() {
        params.release();
    }
}
