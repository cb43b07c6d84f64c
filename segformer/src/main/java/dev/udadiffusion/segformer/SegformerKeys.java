package dev.udadiffusion.segformer;

import dev.udadiffusion.core.safetensors.TensorSource;
import dev.udadiffusion.core.state.KeyMapping;
import java.util.List;

/**
 * SegFormer checkpoint names → transformers' names (the graph's parameter keys): transformers, NVlabs' mmseg and
 * DAFormer's layouts, the format told apart by the keys present, and the table for an ImageNet MiT backbone.
 */
public final class SegformerKeys {

    private SegformerKeys() {
    }

    /** HF checkpoints: the BatchNorm step counter is not a parameter here. */
    public static final KeyMapping HF = KeyMapping.builder().ignore(".*num_batches_tracked$").build();

    /**
     * NVlabs/DAFormer mmseg names ({@code backbone.patch_embed1…}, {@code attn.kv}, {@code decode_head.linear_c1…}) →
     * transformers names, the rules of transformers' {@code convert_segformer_original_to_pytorch.py} in its order
     * (SPECS §6.3); {@code kv} is split into key (first half) and value. {@code conv_seg} is unused.
     */
    public static final KeyMapping NVLABS = nvlabs();

    /**
     * DAFormer's own head layout on top of {@link #NVLABS}: {@code linear_c} is a ModuleDict ({@code linear_c.0…3}, no
     * renumbering) and the stages are concatenated c1…c4 (transformers: c4…c1), so {@code linear_fuse}'s input-channel
     * blocks come reversed. A DAFormer UDA checkpoint's student ({@code model.}) is what DAFormer's test.py evaluates;
     * its {@code ema_model.}/{@code imnet_model.} copies are skipped.
     */
    public static final KeyMapping DAFORMER = KeyMapping.builder().ignore("^(module\\.)?(ema_model|imnet_model)\\..*")
            .ignore("^(module\\.)?(model\\.)?decode_head\\.conv_seg\\..*")
            .rename("^module\\.", "").rename("^model\\.", "")
            .rename("^decode_head\\.linear_fuse\\.conv\\.weight$", "decode_head.linear_fuse.weight",
                    KeyMapping.Transform.REVERSE_INPUT_BLOCKS)
            .build().orElse(NVLABS);

    private static KeyMapping nvlabs() {
        KeyMapping.Builder b = KeyMapping.builder().ignore(".*num_batches_tracked$").ignore("^decode_head\\.conv_seg\\..*")
                .rename("^backbone\\.", "segformer.encoder.");
        for (int k = 1; k <= 4; k++) {
            b.rename("patch_embed" + k + "\\.", "patch_embeddings." + (k - 1) + ".");
        }
        b.rename("norm", "layer_norm");
        for (int k = 1; k <= 4; k++) {
            b.rename("^segformer\\.encoder\\.layer_norm" + k + "\\.", "segformer.encoder.layer_norm." + (k - 1) + ".");
        }
        b.rename("layer_norm1", "layer_norm_1").rename("layer_norm2", "layer_norm_2");
        for (int k = 1; k <= 4; k++) {
            b.rename("\\.block" + k + "\\.", ".block." + (k - 1) + ".");
        }
        b.rename("attn\\.q\\.", "attention.self.query.").rename("attn\\.proj\\.", "attention.output.dense.")
                .rename("attn\\.", "attention.self.").rename("fc1", "dense1").rename("fc2", "dense2")
                .rename("linear_pred", "classifier").rename("linear_fuse\\.conv\\.", "linear_fuse.")
                .rename("linear_fuse\\.bn\\.", "batch_norm.");
        for (int k = 1; k <= 4; k++) {
            b.rename("linear_c" + k + "\\.", "linear_c." + (k - 1) + ".");
        }
        return b.split("attention\\.self\\.kv\\.", "attention.self.key.", "attention.self.value.").build();
    }

    /**
     * HF names; NVlabs mmseg names when the checkpoint has {@code backbone.*} keys; DAFormer's when its head is a
     * ModuleDict ({@code decode_head.linear_c.0.}) or the weights sit under a UDA wrapper ({@code model.backbone.}).
     */
    public static KeyMapping detect(List<TensorSource> sources) {
        boolean mmseg = false;
        boolean moduleDictHead = false; // transformers' head has the same linear_c.N keys: only with backbone.* it is DAFormer's
        for (var src : sources) {
            for (String n : src.names()) {
                String k = n.replaceFirst("^module\\.", "");
                if (k.startsWith("model.backbone.")) {
                    return DAFORMER;
                }
                mmseg |= k.startsWith("backbone.");
                moduleDictHead |= k.matches("^decode_head\\.linear_c\\.\\d+\\..*");
            }
        }
        return mmseg ? (moduleDictHead ? DAFORMER : NVLABS) : HF;
    }

    /**
     * An ImageNet MiT encoder ({@code mit_b5.pth} converted to safetensors: NVlabs names without {@code backbone.}, or
     * transformers' {@code nvidia/mit-b5}); its classification head is ignored.
     */
    public static KeyMapping backbone(List<TensorSource> sources) {
        boolean hf = sources.stream().anyMatch(t -> t.names().stream().anyMatch(n -> n.startsWith("segformer.")));
        return hf ? KeyMapping.builder().ignore("^classifier\\..*").build().orElse(HF)
                : KeyMapping.builder().ignore("^head\\..*").rename("^(patch_embed|block|norm)", "backbone.$1").build()
                        .orElse(NVLABS);
    }
}
