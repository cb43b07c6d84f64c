package dev.udadiffusion.experiments.toyzoo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.io.AtomicFiles;
import dev.udadiffusion.core.safetensors.DType;
import dev.udadiffusion.diffusion.clip.CLIPTextConfig;
import dev.udadiffusion.diffusion.clip.CLIPTextModel;
import dev.udadiffusion.diffusion.clip.CLIPTokenizer;
import java.nio.file.Path;

/** The zoo's fixed parts and model configs: tokenizer, frozen random text tower, noise schedule, and the three architectures. */
final class ToyZooBase {

    private ToyZooBase() {
    }

    /** model_index.json, the bundled tokenizer, a seeded random text tower (F16), SD1.5's DDIM schedule, v-prediction. */
    static void write(Path out, long seed) {
        CLIPTokenizer.writeBundled(out.resolve("tokenizer"));
        // v-prediction: an ε-prediction prior of this size sampled texture soup (its ε errors are amplified 1/√ᾱ-fold
        // in the early x₀ estimates)
        AtomicFiles.writeString(out.resolve("scheduler/scheduler_config.json"), """
                {
                  "_class_name": "DDIMScheduler",
                  "beta_start": 0.00085,
                  "beta_end": 0.012,
                  "beta_schedule": "scaled_linear",
                  "num_train_timesteps": 1000,
                  "clip_sample": false,
                  "set_alpha_to_one": false,
                  "steps_offset": 1,
                  "prediction_type": "v_prediction",
                  "timestep_spacing": "leading"
                }
                """);
        AtomicFiles.writeString(out.resolve("model_index.json"), """
                {
                  "_class_name": "StableDiffusionPipeline",
                  "_diffusers_version": "0.35.2",
                  "text_encoder": ["transformers", "CLIPTextModel"],
                  "tokenizer": ["transformers", "CLIPTokenizer"],
                  "unet": ["diffusers", "UNet2DConditionModel"],
                  "vae": ["diffusers", "AutoencoderKL"],
                  "scheduler": ["diffusers", "DDIMScheduler"],
                  "safety_checker": [null, null],
                  "feature_extractor": [null, null]
                }
                """);
        CLIPTextConfig tc = Configs.read(textConfig(), CLIPTextConfig.class, "toy text encoder");
        try (CLIPTextModel text = CLIPTextModel.random(tc, seed)) {
            text.save(out.resolve("text_encoder"), DType.F16);
        }
    }

    /** A small CLIP text tower: SD1.5's vocabulary and 77 positions, 2 layers of width 32 (3.2 MB in F16). */
    static ObjectNode textConfig() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("vocab_size", 49408).put("hidden_size", 32).put("intermediate_size", 64).put("num_hidden_layers", 2)
                .put("num_attention_heads", 4).put("max_position_embeddings", 77).put("hidden_act", "quick_gelu")
                .put("layer_norm_eps", 1e-5).put("projection_dim", 32);
        return n;
    }

    /** A ×4 KL autoencoder (three levels 32/64/64, one ResNet per level, no mid-block attention), 4 latent channels. */
    static ObjectNode vaeConfig() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.putArray("down_block_types").add("DownEncoderBlock2D").add("DownEncoderBlock2D").add("DownEncoderBlock2D");
        n.putArray("up_block_types").add("UpDecoderBlock2D").add("UpDecoderBlock2D").add("UpDecoderBlock2D");
        n.putArray("block_out_channels").add(32).add(64).add(64);
        n.put("layers_per_block", 1).put("latent_channels", 4).put("norm_num_groups", 16).put("sample_size", 64)
                .put("mid_block_add_attention", false).put("scaling_factor", 1.0);
        return n;
    }

    /** The prototype's U-Net: 32/64/64 channels, cross-attention only at the two lower levels, 8 heads. */
    static ObjectNode unetConfig(int crossDim) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.putArray("block_out_channels").add(32).add(64).add(64);
        n.putArray("down_block_types").add("DownBlock2D").add("CrossAttnDownBlock2D").add("CrossAttnDownBlock2D");
        n.putArray("up_block_types").add("CrossAttnUpBlock2D").add("CrossAttnUpBlock2D").add("UpBlock2D");
        n.put("layers_per_block", 1).put("cross_attention_dim", crossDim).put("norm_num_groups", 16)
                .put("attention_head_dim", 8).put("sample_size", 16).put("in_channels", 4).put("out_channels", 4);
        return n;
    }
}
