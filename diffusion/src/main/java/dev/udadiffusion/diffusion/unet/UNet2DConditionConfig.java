package dev.udadiffusion.diffusion.unet;

import com.fasterxml.jackson.databind.JsonNode;
import dev.udadiffusion.core.config.Configs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers {@code UNet2DConditionModel} config ({@code unet/config.json}) for the SD1.x/SD2.x family; nulls take
 * diffusers' defaults. {@code attention_head_dim}, {@code num_attention_heads}, {@code transformer_layers_per_block}
 * may be a number or a per-block list. Options outside that family (class/addition embeddings, time-conditioning
 * projections, scale-shift ResNets, dual cross-attention...) fail here, by name.
 */
public record UNet2DConditionConfig(Integer sampleSize, Integer inChannels, Integer outChannels,
        Boolean centerInputSample, Boolean flipSinToCos, Integer freqShift, List<String> downBlockTypes,
        String midBlockType, List<String> upBlockTypes, JsonNode onlyCrossAttention, List<Integer> blockOutChannels,
        Integer layersPerBlock, Integer downsamplePadding, Double midBlockScaleFactor, Double dropout, String actFn,
        Integer normNumGroups, Double normEps, JsonNode crossAttentionDim, JsonNode transformerLayersPerBlock,
        JsonNode attentionHeadDim, JsonNode numAttentionHeads, Boolean dualCrossAttention, Boolean useLinearProjection,
        Boolean upcastAttention, String resnetTimeScaleShift, Double resnetOutScaleFactor, String timeEmbeddingType,
        Integer timeEmbeddingDim, String timeEmbeddingActFn, String timestepPostAct, Integer timeCondProjDim,
        Integer convInKernel, Integer convOutKernel, String classEmbedType, Integer numClassEmbeds,
        String additionEmbedType, Integer encoderHidDim, String encoderHidDimType, Boolean resnetSkipTimeAct,
        String crossAttentionNorm, String attentionType, JsonNode reverseTransformerLayersPerBlock,
        Boolean midBlockOnlyCrossAttention) {

    public UNet2DConditionConfig {
        sampleSize = sampleSize == null ? 64 : sampleSize;
        inChannels = inChannels == null ? 4 : inChannels;
        outChannels = outChannels == null ? 4 : outChannels;
        centerInputSample = centerInputSample != null && centerInputSample;
        flipSinToCos = flipSinToCos == null || flipSinToCos;
        freqShift = freqShift == null ? 0 : freqShift;
        downBlockTypes = downBlockTypes == null ? List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D",
                "CrossAttnDownBlock2D", "DownBlock2D") : List.copyOf(downBlockTypes);
        midBlockType = midBlockType == null ? "UNetMidBlock2DCrossAttn" : midBlockType;
        upBlockTypes = upBlockTypes == null ? List.of("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D",
                "CrossAttnUpBlock2D") : List.copyOf(upBlockTypes);
        blockOutChannels = blockOutChannels == null ? List.of(320, 640, 1280, 1280) : List.copyOf(blockOutChannels);
        layersPerBlock = layersPerBlock == null ? 2 : layersPerBlock;
        downsamplePadding = downsamplePadding == null ? 1 : downsamplePadding;
        midBlockScaleFactor = midBlockScaleFactor == null ? 1.0 : midBlockScaleFactor;
        actFn = actFn == null ? "silu" : actFn;
        normNumGroups = normNumGroups == null ? 32 : normNumGroups;
        normEps = normEps == null ? 1e-5 : normEps;
        useLinearProjection = useLinearProjection != null && useLinearProjection;
        upcastAttention = upcastAttention != null && upcastAttention;
        resnetTimeScaleShift = resnetTimeScaleShift == null ? "default" : resnetTimeScaleShift;
        resnetOutScaleFactor = resnetOutScaleFactor == null ? 1.0 : resnetOutScaleFactor;
        timeEmbeddingType = timeEmbeddingType == null ? "positional" : timeEmbeddingType;
        convInKernel = convInKernel == null ? 3 : convInKernel;
        convOutKernel = convOutKernel == null ? 3 : convOutKernel;
        int n = blockOutChannels.size();
        Configs.requireRange("block_out_channels", blockOutChannels, 1, Configs.MAX_WIDTH);
        Configs.requireRange("in_channels", inChannels, 1, Configs.MAX_WIDTH);
        Configs.requireRange("out_channels", outChannels, 1, Configs.MAX_WIDTH);
        Configs.requireRange("layers_per_block", layersPerBlock, 1, 64);
        Configs.requireRange("norm_num_groups", normNumGroups, 1, Configs.MAX_WIDTH);
        Configs.requireRange("sample_size", sampleSize, 1, Configs.MAX_WIDTH);
        req(n <= 8, "block_out_channels", blockOutChannels, "at most 8 blocks");
        req(downBlockTypes.size() == n && upBlockTypes.size() == n, "down/up_block_types", downBlockTypes,
                "one per block_out_channels entry");
        for (String t : downBlockTypes) {
            req(t.equals("CrossAttnDownBlock2D") || t.equals("DownBlock2D"), "down_block_types", t,
                    "CrossAttnDownBlock2D or DownBlock2D");
        }
        for (String t : upBlockTypes) {
            req(t.equals("CrossAttnUpBlock2D") || t.equals("UpBlock2D"), "up_block_types", t, "CrossAttnUpBlock2D or UpBlock2D");
        }
        req(midBlockType.equals("UNetMidBlock2DCrossAttn"), "mid_block_type", midBlockType, "UNetMidBlock2DCrossAttn");
        req("silu".equals(actFn), "act_fn", actFn, "silu");
        req(midBlockScaleFactor == 1.0, "mid_block_scale_factor", midBlockScaleFactor, "1");
        req(resnetTimeScaleShift.equals("default"), "resnet_time_scale_shift", resnetTimeScaleShift, "default");
        req(resnetOutScaleFactor == 1.0, "resnet_out_scale_factor", resnetOutScaleFactor, "1.0");
        req(timeEmbeddingType.equals("positional"), "time_embedding_type", timeEmbeddingType, "positional");
        req(convInKernel == 3 && convOutKernel == 3, "conv_in/out_kernel", convInKernel + "/" + convOutKernel, "3");
        req(classEmbedType == null && numClassEmbeds == null, "class_embed_type", classEmbedType, "none");
        req(additionEmbedType == null, "addition_embed_type", additionEmbedType, "none");
        req(encoderHidDim == null && encoderHidDimType == null, "encoder_hid_dim", encoderHidDim, "none");
        req(timeCondProjDim == null, "time_cond_proj_dim", timeCondProjDim, "none");
        req(timeEmbeddingDim == null, "time_embedding_dim", timeEmbeddingDim, "default 4 x block_out_channels[0]");
        req(timeEmbeddingActFn == null && timestepPostAct == null, "time_embedding_act_fn", timeEmbeddingActFn, "none");
        req(dualCrossAttention == null || !dualCrossAttention, "dual_cross_attention", dualCrossAttention, "false");
        req(resnetSkipTimeAct == null || !resnetSkipTimeAct, "resnet_skip_time_act", resnetSkipTimeAct, "false");
        req(crossAttentionNorm == null, "cross_attention_norm", crossAttentionNorm, "none");
        req(attentionType == null || attentionType.equals("default"), "attention_type", attentionType, "default");
        req(reverseTransformerLayersPerBlock == null || reverseTransformerLayersPerBlock.isNull(),
                "reverse_transformer_layers_per_block", reverseTransformerLayersPerBlock, "none");
        req(onlyCrossAttention == null || onlyCrossAttention.isNull() || onlyCrossAttention.isBoolean()
                && !onlyCrossAttention.booleanValue(), "only_cross_attention", onlyCrossAttention, "false");
        req(crossAttentionDim == null || crossAttentionDim.isNull() || crossAttentionDim.isInt(), "cross_attention_dim",
                crossAttentionDim, "a single number");
        if (crossAttentionDim != null && crossAttentionDim.isInt()) {
            Configs.requireRange("cross_attention_dim", crossAttentionDim.intValue(), 1, Configs.MAX_WIDTH);
        }
        for (int c : blockOutChannels) {
            req(c % normNumGroups == 0, "norm_num_groups", normNumGroups, "dividing every block_out_channels entry "
                    + blockOutChannels);
        }
        List<Integer> heads = perBlock(numAttentionHeads != null && !numAttentionHeads.isNull() ? numAttentionHeads
                : attentionHeadDim, 8, n, "attention_head_dim / num_attention_heads");
        Configs.requireRange("attention_head_dim / num_attention_heads", heads, 1, Configs.MAX_WIDTH);
        Configs.requireRange("transformer_layers_per_block", perBlock(transformerLayersPerBlock, 1, n,
                "transformer_layers_per_block"), 1, 64);
        for (int i = 0; i < n; i++) {
            req(blockOutChannels.get(i) % heads.get(i) == 0, "attention heads", heads, "dividing block_out_channels");
        }
        perBlock(transformerLayersPerBlock, 1, n, "transformer_layers_per_block");
    }

    private static void req(boolean ok, String key, Object value, String supported) {
        Configs.require(ok, key, value, supported);
    }

    static List<Integer> perBlock(JsonNode node, int dflt, int n, String what) {
        List<Integer> l = new ArrayList<>();
        if (node == null || node.isNull()) {
            for (int i = 0; i < n; i++) {
                l.add(dflt);
            }
        } else if (node.isInt()) {
            for (int i = 0; i < n; i++) {
                l.add(node.intValue());
            }
        } else if (node.isArray() && node.size() == n) {
            node.forEach(x -> l.add(x.intValue()));
        } else {
            throw new IllegalArgumentException(what + "=" + node + " must be a number or a list of " + n + " numbers");
        }
        return List.copyOf(l);
    }

    public static UNet2DConditionConfig read(Path configJson) {
        return Configs.read(configJson, UNet2DConditionConfig.class);
    }

    /**
     * Heads per block. diffusers' SD1.x configs call the head count {@code attention_head_dim} (8 for SD1.5: 8 heads at
     * every level, head dim 40/80/160); {@code num_attention_heads}, when set, wins.
     */
    public List<Integer> heads() {
        JsonNode h = numAttentionHeads != null && !numAttentionHeads.isNull() ? numAttentionHeads : attentionHeadDim;
        return perBlock(h, 8, blockOutChannels.size(), "attention_head_dim");
    }

    public List<Integer> transformerLayers() {
        return perBlock(transformerLayersPerBlock, 1, blockOutChannels.size(), "transformer_layers_per_block");
    }

    public int crossDim() {
        return crossAttentionDim == null || crossAttentionDim.isNull() ? 1280 : crossAttentionDim.intValue();
    }

    /** Time embedding width: 4 × block_out_channels[0]. */
    public int timeEmbedDim() {
        return 4 * blockOutChannels.get(0);
    }

    /** Latent height and width must be multiples of this (2^number of downsamplers). */
    public int sizeMultiple() {
        return 1 << (blockOutChannels.size() - 1);
    }
}
