package dev.udadiffusion.diffusion.clip;

import dev.udadiffusion.core.config.Configs;
import java.nio.file.Path;
import java.util.List;

/**
 * transformers {@code CLIPTextConfig} ({@code text_encoder/config.json}); nulls take transformers' defaults. SD1.5 uses
 * ViT-L/14's text tower: 12 layers, width 768, 12 heads, MLP 3072, quick_gelu, 77 positions.
 */
public record CLIPTextConfig(Integer vocabSize, Integer hiddenSize, Integer intermediateSize, Integer numHiddenLayers,
        Integer numAttentionHeads, Integer maxPositionEmbeddings, String hiddenAct, Double layerNormEps,
        Integer eosTokenId, Integer projectionDim) {

    public CLIPTextConfig {
        vocabSize = vocabSize == null ? 49408 : vocabSize;
        hiddenSize = hiddenSize == null ? 512 : hiddenSize;
        intermediateSize = intermediateSize == null ? 2048 : intermediateSize;
        numHiddenLayers = numHiddenLayers == null ? 12 : numHiddenLayers;
        numAttentionHeads = numAttentionHeads == null ? 8 : numAttentionHeads;
        maxPositionEmbeddings = maxPositionEmbeddings == null ? 77 : maxPositionEmbeddings;
        hiddenAct = hiddenAct == null ? "quick_gelu" : hiddenAct;
        layerNormEps = layerNormEps == null ? 1e-5 : layerNormEps;
        eosTokenId = eosTokenId == null ? 2 : eosTokenId;
        Configs.require(List.of("quick_gelu", "gelu").contains(hiddenAct), "hidden_act", hiddenAct, "quick_gelu or gelu");
        Configs.requireRange("vocab_size", vocabSize, 1, 1 << 24);
        Configs.requireRange("hidden_size", hiddenSize, 1, Configs.MAX_WIDTH);
        Configs.requireRange("intermediate_size", intermediateSize, 1, 4 * Configs.MAX_WIDTH);
        Configs.requireRange("num_hidden_layers", numHiddenLayers, 1, 256);
        Configs.requireRange("num_attention_heads", numAttentionHeads, 1, Configs.MAX_WIDTH);
        Configs.requireRange("max_position_embeddings", maxPositionEmbeddings, 1, 1 << 16);
        Configs.require(hiddenSize % numAttentionHeads == 0, "num_attention_heads", numAttentionHeads,
                "must divide hidden_size " + hiddenSize);
    }

    public static CLIPTextConfig read(Path file) {
        return Configs.read(file, CLIPTextConfig.class);
    }

    /** SD1.x's text encoder (OpenAI CLIP ViT-L/14). */
    public static CLIPTextConfig vitL14() {
        return new CLIPTextConfig(49408, 768, 3072, 12, 12, 77, "quick_gelu", 1e-5, 2, 768);
    }
}
