package dev.udadiffusion.segformer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.udadiffusion.core.config.Configs;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * transformers {@code SegformerConfig}; nulls take transformers' defaults (MiT-b0). {@code numLabels} comes from
 * {@code num_labels} or the size of {@code id2label}. Presets {@link #b0()}…{@link #b5()} follow the MiT papers /
 * the nvidia/mit-bX configs.
 */
public record SegformerConfig(Integer numChannels, Integer numEncoderBlocks, List<Integer> depths, List<Integer> srRatios,
        List<Integer> hiddenSizes, List<Integer> patchSizes, List<Integer> strides, List<Integer> numAttentionHeads,
        List<Integer> mlpRatios, String hiddenAct, Integer decoderHiddenSize, Integer numLabels, JsonNode id2label,
        Integer semanticLossIgnoreIndex) {

    public SegformerConfig {
        numChannels = numChannels == null ? 3 : numChannels;
        numEncoderBlocks = numEncoderBlocks == null ? 4 : numEncoderBlocks;
        depths = depths == null ? List.of(2, 2, 2, 2) : List.copyOf(depths);
        srRatios = srRatios == null ? List.of(8, 4, 2, 1) : List.copyOf(srRatios);
        hiddenSizes = hiddenSizes == null ? List.of(32, 64, 160, 256) : List.copyOf(hiddenSizes);
        patchSizes = patchSizes == null ? List.of(7, 3, 3, 3) : List.copyOf(patchSizes);
        strides = strides == null ? List.of(4, 2, 2, 2) : List.copyOf(strides);
        numAttentionHeads = numAttentionHeads == null ? List.of(1, 2, 5, 8) : List.copyOf(numAttentionHeads);
        mlpRatios = mlpRatios == null ? List.of(4, 4, 4, 4) : List.copyOf(mlpRatios);
        hiddenAct = hiddenAct == null ? "gelu" : hiddenAct;
        decoderHiddenSize = decoderHiddenSize == null ? 256 : decoderHiddenSize;
        if (numLabels == null) {
            numLabels = id2label != null && id2label.isObject() && id2label.size() > 0 ? id2label.size() : 19;
        }
        semanticLossIgnoreIndex = semanticLossIgnoreIndex == null ? 255 : semanticLossIgnoreIndex;
        Configs.require("gelu".equals(hiddenAct), "hidden_act", hiddenAct, "gelu");
        Configs.requireRange("num_encoder_blocks", numEncoderBlocks, 1, 8);
        Configs.requireRange("num_channels", numChannels, 1, Configs.MAX_WIDTH);
        Configs.requireRange("num_labels", numLabels, 1, Configs.MAX_WIDTH);
        Configs.requireRange("decoder_hidden_size", decoderHiddenSize, 1, Configs.MAX_WIDTH);
        Configs.requireRange("depths", depths, 1, 256);
        Configs.requireRange("sr_ratios", srRatios, 1, 1024);
        Configs.requireRange("hidden_sizes", hiddenSizes, 1, Configs.MAX_WIDTH);
        Configs.requireRange("patch_sizes", patchSizes, 1, 64);
        Configs.requireRange("strides", strides, 1, 64);
        Configs.requireRange("num_attention_heads", numAttentionHeads, 1, Configs.MAX_WIDTH);
        Configs.requireRange("mlp_ratios", mlpRatios, 1, 64);
        int n = numEncoderBlocks;
        for (List<Integer> l : List.of(depths, srRatios, hiddenSizes, patchSizes, strides, numAttentionHeads, mlpRatios)) {
            Configs.require(l.size() == n, "per-stage lists", l, "one entry per encoder block (" + n + ")");
        }
        for (int i = 0; i < n; i++) {
            Configs.require(hiddenSizes.get(i) % numAttentionHeads.get(i) == 0, "num_attention_heads", numAttentionHeads,
                    "dividing hidden_sizes");
        }
    }

    public static SegformerConfig read(Path file) {
        return Configs.read(file, SegformerConfig.class);
    }

    private static SegformerConfig mit(List<Integer> depths, List<Integer> hidden, int decoder, int labels) {
        return new SegformerConfig(3, 4, depths, List.of(8, 4, 2, 1), hidden, List.of(7, 3, 3, 3), List.of(4, 2, 2, 2),
                List.of(1, 2, 5, 8), List.of(4, 4, 4, 4), "gelu", decoder, labels, null, 255);
    }

    public static SegformerConfig b0() {
        return mit(List.of(2, 2, 2, 2), List.of(32, 64, 160, 256), 256, 19);
    }

    public static SegformerConfig b1() {
        return mit(List.of(2, 2, 2, 2), List.of(64, 128, 320, 512), 256, 19);
    }

    public static SegformerConfig b2() {
        return mit(List.of(3, 4, 6, 3), List.of(64, 128, 320, 512), 768, 19);
    }

    public static SegformerConfig b3() {
        return mit(List.of(3, 4, 18, 3), List.of(64, 128, 320, 512), 768, 19);
    }

    public static SegformerConfig b4() {
        return mit(List.of(3, 8, 27, 3), List.of(64, 128, 320, 512), 768, 19);
    }

    public static SegformerConfig b5() {
        return mit(List.of(3, 6, 40, 3), List.of(64, 128, 320, 512), 768, 19);
    }

    /**
     * A 0.4 M-parameter MiT for the toy world's 128×64 images and CPU budgets: b0's layout with one block per stage,
     * widths 16/32/64/128, spatial reduction 4/2/1/1 (the token grids are tiny) and a 64-wide decoder.
     */
    public static SegformerConfig toy() {
        return new SegformerConfig(3, 4, List.of(1, 1, 1, 1), List.of(4, 2, 1, 1), List.of(16, 32, 64, 128),
                List.of(7, 3, 3, 3), List.of(4, 2, 2, 2), List.of(1, 1, 2, 4), List.of(4, 4, 4, 4), "gelu", 64, 19, null, 255);
    }

    /** b0…b5 (and {@link #toy()}) by name. */
    public static SegformerConfig preset(String name) {
        return switch (name.toLowerCase(Locale.ROOT).replace("mit-", "")) {
            case "b0" -> b0();
            case "b1" -> b1();
            case "b2" -> b2();
            case "b3" -> b3();
            case "b4" -> b4();
            case "b5" -> b5();
            case "toy" -> toy();
            default -> throw new IllegalArgumentException("SegFormer preset " + name + " (b0 to b5, toy)");
        };
    }
}
