package dev.udadiffusion.diffusion.unet;

import dev.udadiffusion.core.safetensors.TensorSource;
import dev.udadiffusion.core.state.KeyMapping;
import java.util.List;

/** Key tables from other U-Net checkpoint namings to diffusers'. */
public final class UNetKeys {

    private UNetKeys() {
    }

    /**
     * Original LDM / single-file naming ({@code model.diffusion_model.*}), after diffusers' {@code single_file_utils}:
     * input_blocks/middle_block/output_blocks re-indexed into down/mid/up blocks, ResNet sub-layers renamed;
     * transformer sub-keys are identical. Other components' keys (VAE, text encoder, EMA copies, scheduler buffers)
     * are ignored.
     */
    public static KeyMapping ldm(UNet2DConditionConfig c) {
        int n = c.blockOutChannels().size();
        int lpb = c.layersPerBlock();
        KeyMapping.Builder b = KeyMapping.builder()
                .ignore("^(?!model\\.diffusion_model\\.).*")
                .rename("^model\\.diffusion_model\\.", "")
                .rename("^time_embed\\.0\\.", "time_embedding.linear_1.")
                .rename("^time_embed\\.2\\.", "time_embedding.linear_2.")
                .rename("^input_blocks\\.0\\.0\\.", "conv_in.")
                .rename("^out\\.0\\.", "conv_norm_out.")
                .rename("^out\\.2\\.", "conv_out.");
        // input_blocks 1.. : per down block, lpb (resnet[, attention]) layers then a downsampler (not after the last)
        int i = 1;
        for (int blk = 0; blk < n; blk++) {
            for (int l = 0; l < lpb; l++, i++) {
                b.rename("^input_blocks\\." + i + "\\.0\\.", "down_blocks." + blk + ".resnets." + l + ".")
                        .rename("^input_blocks\\." + i + "\\.1\\.", "down_blocks." + blk + ".attentions." + l + ".");
            }
            if (blk < n - 1) {
                b.rename("^input_blocks\\." + i + "\\.0\\.op\\.", "down_blocks." + blk + ".downsamplers.0.conv.");
                i++;
            }
        }
        b.rename("^middle_block\\.0\\.", "mid_block.resnets.0.")
                .rename("^middle_block\\.1\\.", "mid_block.attentions.0.")
                .rename("^middle_block\\.2\\.", "mid_block.resnets.1.");
        // output_blocks k: up block k / (lpb+1), layer k % (lpb+1); .0 resnet, .1 attention or upsampler, .2 upsampler
        for (int k = 0; k < n * (lpb + 1); k++) {
            int blk = k / (lpb + 1);
            int l = k % (lpb + 1);
            boolean attn = c.upBlockTypes().get(blk).equals("CrossAttnUpBlock2D");
            b.rename("^output_blocks\\." + k + "\\.0\\.", "up_blocks." + blk + ".resnets." + l + ".");
            if (attn) {
                b.rename("^output_blocks\\." + k + "\\.1\\.", "up_blocks." + blk + ".attentions." + l + ".")
                        .rename("^output_blocks\\." + k + "\\.2\\.conv\\.", "up_blocks." + blk + ".upsamplers.0.conv.");
            } else {
                b.rename("^output_blocks\\." + k + "\\.1\\.conv\\.", "up_blocks." + blk + ".upsamplers.0.conv.");
            }
        }
        return b.rename("\\.in_layers\\.0\\.", ".norm1.")
                .rename("\\.in_layers\\.2\\.", ".conv1.")
                .rename("\\.emb_layers\\.1\\.", ".time_emb_proj.")
                .rename("\\.out_layers\\.0\\.", ".norm2.")
                .rename("\\.out_layers\\.3\\.", ".conv2.")
                .rename("\\.skip_connection\\.", ".conv_shortcut.")
                .build();
    }

    /** LDM if any key starts with model.diffusion_model., else diffusers naming. */
    public static KeyMapping detect(List<TensorSource> sources, UNet2DConditionConfig c) {
        for (TensorSource s : sources) {
            for (String k : s.names()) {
                if (k.startsWith("model.diffusion_model.")) {
                    return ldm(c);
                }
            }
        }
        return KeyMapping.IDENTITY;
    }
}
