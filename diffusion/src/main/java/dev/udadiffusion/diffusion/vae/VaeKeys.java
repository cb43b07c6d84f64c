package dev.udadiffusion.diffusion.vae;

import dev.udadiffusion.core.safetensors.TensorSource;
import dev.udadiffusion.core.state.KeyMapping;
import dev.udadiffusion.core.state.KeyMapping.Transform;
import java.util.List;

/** Key tables that bring other VAE checkpoint namings to the current diffusers names. */
public final class VaeKeys {

    private VaeKeys() {
    }

    /** diffusers before ~0.14 named the mid-block attention query/key/value/proj_attn. Harmless on current names. */
    public static final KeyMapping DIFFUSERS = KeyMapping.builder()
            .rename("(attentions\\.\\d+)\\.query\\.", "$1.to_q.")
            .rename("(attentions\\.\\d+)\\.key\\.", "$1.to_k.")
            .rename("(attentions\\.\\d+)\\.value\\.", "$1.to_v.")
            .rename("(attentions\\.\\d+)\\.proj_attn\\.", "$1.to_out.0.")
            .build();

    /**
     * Original LDM / single-file naming ({@code first_stage_model.*}), after diffusers' {@code single_file_utils}:
     * blocks renamed, decoder up-blocks in reverse order, attention q/k/v/proj_out stored as 1×1 convs. Keys of other
     * components (U-Net, text encoder, scheduler buffers) are ignored.
     */
    public static KeyMapping ldm(int numBlocks) {
        KeyMapping.Builder b = KeyMapping.builder()
                .ignore("^(?!first_stage_model\\.).*")
                .rename("^first_stage_model\\.", "")
                .rename("^(encoder|decoder)\\.norm_out\\.", "$1.conv_norm_out.")
                .rename("^encoder\\.down\\.(\\d+)\\.block\\.(\\d+)\\.", "encoder.down_blocks.$1.resnets.$2.")
                .rename("^encoder\\.down\\.(\\d+)\\.downsample\\.conv\\.", "encoder.down_blocks.$1.downsamplers.0.conv.");
        for (int i = 0; i < numBlocks; i++) {
            int d = numBlocks - 1 - i; // LDM decoder up.0 is the last (highest-resolution) diffusers up-block
            b.rename("^decoder\\.up\\." + i + "\\.block\\.(\\d+)\\.", "decoder.up_blocks." + d + ".resnets.$1.")
                    .rename("^decoder\\.up\\." + i + "\\.upsample\\.conv\\.", "decoder.up_blocks." + d + ".upsamplers.0.conv.");
        }
        return b.rename("\\.mid\\.block_1\\.", ".mid_block.resnets.0.")
                .rename("\\.mid\\.block_2\\.", ".mid_block.resnets.1.")
                .rename("\\.mid\\.attn_1\\.norm\\.", ".mid_block.attentions.0.group_norm.")
                .rename("\\.mid\\.attn_1\\.q\\.weight$", ".mid_block.attentions.0.to_q.weight", Transform.SQUEEZE_1X1)
                .rename("\\.mid\\.attn_1\\.k\\.weight$", ".mid_block.attentions.0.to_k.weight", Transform.SQUEEZE_1X1)
                .rename("\\.mid\\.attn_1\\.v\\.weight$", ".mid_block.attentions.0.to_v.weight", Transform.SQUEEZE_1X1)
                .rename("\\.mid\\.attn_1\\.proj_out\\.weight$", ".mid_block.attentions.0.to_out.0.weight", Transform.SQUEEZE_1X1)
                .rename("\\.mid\\.attn_1\\.q\\.bias$", ".mid_block.attentions.0.to_q.bias")
                .rename("\\.mid\\.attn_1\\.k\\.bias$", ".mid_block.attentions.0.to_k.bias")
                .rename("\\.mid\\.attn_1\\.v\\.bias$", ".mid_block.attentions.0.to_v.bias")
                .rename("\\.mid\\.attn_1\\.proj_out\\.bias$", ".mid_block.attentions.0.to_out.0.bias")
                .rename("\\.nin_shortcut\\.", ".conv_shortcut.")
                .build();
    }

    /** The table for whatever naming {@code sources} use: LDM if any key starts with first_stage_model. */
    public static KeyMapping detect(List<TensorSource> sources, int numBlocks) {
        for (TensorSource s : sources) {
            for (String n : s.names()) {
                if (n.startsWith("first_stage_model.")) {
                    return ldm(numBlocks);
                }
            }
        }
        return DIFFUSERS;
    }
}
