package dev.udadiffusion.controlnet;

import dev.udadiffusion.core.safetensors.TensorSource;
import dev.udadiffusion.core.state.KeyMapping;
import dev.udadiffusion.diffusion.unet.UNet2DConditionConfig;
import dev.udadiffusion.diffusion.unet.UNetKeys;
import java.util.List;

/**
 * The original ControlNet naming ({@code control_model.*}, lllyasviel's {@code control_*.safetensors}) to diffusers',
 * after diffusers' {@code convert_controlnet_checkpoint}: the encoder is named like the LDM U-Net (so the U-Net's
 * table applies), {@code input_hint_block.{0, 2, …}} → the conditioning embedding's conv_in / blocks / conv_out,
 * {@code zero_convs.i.0} → {@code controlnet_down_blocks.i}, {@code middle_block_out.0} → {@code controlnet_mid_block}.
 * Files whose keys carry no prefix ({@code time_embed.0.weight} …) are accepted too.
 */
public final class ControlNetKeys {

    private ControlNetKeys() {
    }

    public static KeyMapping original(UNet2DConditionConfig c, int embeddingSteps) {
        String hint = "^input_hint_block\\.";
        KeyMapping.Builder b = KeyMapping.builder()
                .rename("^control_model\\.", "model.diffusion_model.")
                .rename("^(?=time_embed\\.|input_blocks\\.|middle_block|input_hint_block\\.|zero_convs\\.|out\\.)",
                        "model.diffusion_model.")
                .renames(UNetKeys.ldm(c))
                .rename(hint + "0\\.", "controlnet_cond_embedding.conv_in.")
                .rename(hint + (4 * embeddingSteps + 2) + "\\.", "controlnet_cond_embedding.conv_out.");
        for (int k = 1; k <= 2 * embeddingSteps; k++) {
            b.rename(hint + (2 * k) + "\\.", "controlnet_cond_embedding.blocks." + (k - 1) + ".");
        }
        return b.rename("^zero_convs\\.(\\d+)\\.0\\.", "controlnet_down_blocks.$1.")
                .rename("^middle_block_out\\.0\\.", "controlnet_mid_block.")
                .build();
    }

    /** The original table if the keys look like it, else diffusers naming (identity). */
    public static KeyMapping detect(List<TensorSource> sources, ControlNetConfig c) {
        for (TensorSource s : sources) {
            for (String k : s.names()) {
                if (k.startsWith("control_model.") || k.startsWith("input_hint_block.") || k.startsWith("zero_convs.")) {
                    return original(c.unet(), c.conditioningEmbeddingOutChannels().size() - 1);
                }
            }
        }
        return KeyMapping.IDENTITY;
    }
}
