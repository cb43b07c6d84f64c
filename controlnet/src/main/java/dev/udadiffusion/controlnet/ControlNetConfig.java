package dev.udadiffusion.controlnet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.diffusion.unet.UNet2DConditionConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * diffusers {@code ControlNetModel} config: the U-Net encoder fields (read as a {@link UNet2DConditionConfig}) plus
 * the conditioning embedding. The thesis's mask ControlNet uses {@code conditioning_channels} 20 (19 Cityscapes
 * trainIds + background/ignore).
 */
public record ControlNetConfig(UNet2DConditionConfig unet, int conditioningChannels,
        List<Integer> conditioningEmbeddingOutChannels, String channelOrder) {

    public ControlNetConfig {
        conditioningEmbeddingOutChannels = List.copyOf(conditioningEmbeddingOutChannels);
        if (conditioningEmbeddingOutChannels.isEmpty()) {
            throw new IllegalArgumentException("conditioning_embedding_out_channels is empty");
        }
        Configs.requireRange("conditioning_channels", conditioningChannels, 1, Configs.MAX_WIDTH);
        Configs.requireRange("conditioning_embedding_out_channels", conditioningEmbeddingOutChannels, 1, Configs.MAX_WIDTH);
        if (!channelOrder.equals("rgb") && !channelOrder.equals("bgr")) {
            throw new IllegalArgumentException("controlnet_conditioning_channel_order=" + channelOrder + " (rgb or bgr)");
        }
    }

    /**
     * How much the conditioning embedding downsamples the control image (8 for SD's 16/32/96/256): it has to equal the
     * VAE's latent factor, so a ControlNet for a ×4 toy VAE has three conditioning blocks.
     */
    public int downscale() {
        return 1 << (conditioningEmbeddingOutChannels.size() - 1);
    }

    public static ControlNetConfig read(Path file) {
        return of(Configs.readTree(file), file.toString());
    }

    /** From a parsed config.json; {@code source} names it in errors. */
    public static ControlNetConfig of(JsonNode json, String source) {
        ObjectNode n = json.deepCopy();
        if (n.path("global_pool_conditions").asBoolean(false)) {
            throw new Configs.ConfigException(source + ": global_pool_conditions=true is not supported");
        }
        if (!n.has("up_block_types")) {
            // a ControlNet has no decoder; give the U-Net record the mirror of the encoder so it validates
            ArrayNode up = n.putArray("up_block_types");
            List<String> down = new ArrayList<>();
            n.path("down_block_types").forEach(d -> down.add(d.asText()));
            if (down.isEmpty()) {
                down.addAll(List.of("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"));
            }
            for (int i = down.size() - 1; i >= 0; i--) {
                up.add(down.get(i).equals("DownBlock2D") ? "UpBlock2D" : "CrossAttnUpBlock2D");
            }
        }
        UNet2DConditionConfig u = Configs.read(n, UNet2DConditionConfig.class, source);
        List<Integer> emb = new ArrayList<>();
        n.path("conditioning_embedding_out_channels").forEach(x -> emb.add(x.intValue()));
        if (emb.isEmpty()) {
            emb.addAll(List.of(16, 32, 96, 256));
        }
        try {
            return new ControlNetConfig(u, n.path("conditioning_channels").asInt(3), emb,
                    n.path("controlnet_conditioning_channel_order").asText("rgb"));
        } catch (IllegalArgumentException e) {
            throw new Configs.ConfigException(source + ": " + e.getMessage());
        }
    }

    /** A diffusers-style config.json: the U-Net encoder fields plus the conditioning ones. */
    public String toJson() {
        try {
            ObjectMapper om = new ObjectMapper();
            ObjectNode n = (ObjectNode) om.readTree(Configs.toJson(unet));
            n.remove("up_block_types");
            n.put("_class_name", "ControlNetModel");
            n.put("conditioning_channels", conditioningChannels);
            ArrayNode emb = n.putArray("conditioning_embedding_out_channels");
            conditioningEmbeddingOutChannels.forEach(emb::add);
            n.put("controlnet_conditioning_channel_order", channelOrder);
            n.put("global_pool_conditions", false);
            return n.toPrettyString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The ControlNet for a U-Net: the same encoder, the given conditioning (as diffusers' {@code from_unet}). */
    public static ControlNetConfig fromUnet(UNet2DConditionConfig unet, int conditioningChannels,
            List<Integer> embeddingChannels) {
        return new ControlNetConfig(unet, conditioningChannels, embeddingChannels, "rgb");
    }

    /**
     * Refuses a U-Net whose residual slots differ from this ControlNet's (U-Net swap: the ControlNet was trained next
     * to another U-Net). Its down- and mid-block residuals are added to the U-Net's skip connections, so latent
     * channels, block widths, layers per block, down-block kinds and the text-embedding width must agree; the message
     * lists every difference.
     */
    public void requireCompatible(UNet2DConditionConfig other, String unetName) {
        List<String> diff = new ArrayList<>();
        compare(diff, "in_channels", unet.inChannels(), other.inChannels());
        compare(diff, "block_out_channels", unet.blockOutChannels(), other.blockOutChannels());
        compare(diff, "layers_per_block", unet.layersPerBlock(), other.layersPerBlock());
        compare(diff, "down_block_types", unet.downBlockTypes(), other.downBlockTypes());
        compare(diff, "cross_attention_dim", unet.crossAttentionDim(), other.crossAttentionDim());
        if (!diff.isEmpty()) {
            throw new IllegalArgumentException("U-Net " + unetName + " does not fit this ControlNet (its residuals would not "
                    + "line up with the U-Net's skip connections): " + String.join("; ", diff));
        }
    }

    private static void compare(List<String> diff, String field, Object controlnet, Object unet) {
        if (!Objects.equals(controlnet, unet)) {
            diff.add(field + " " + unet + " (ControlNet: " + controlnet + ")");
        }
    }
}
