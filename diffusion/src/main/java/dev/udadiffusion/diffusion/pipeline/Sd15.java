package dev.udadiffusion.diffusion.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.diffusion.schedulers.SchedulerConfig;
import dev.udadiffusion.diffusion.unet.UNet2DConditionConfig;
import dev.udadiffusion.diffusion.vae.AutoencoderKLConfig;
import java.util.List;

/** Stable Diffusion 1.5's component configs, for single-file checkpoints that carry none. */
public final class Sd15 {

    private Sd15() {
    }

    public static UNet2DConditionConfig unet() {
        var n = new ObjectMapper().createObjectNode().put("sample_size", 64).put("attention_head_dim", 8)
                .put("cross_attention_dim", 768);
        return Configs.read(n, UNet2DConditionConfig.class, "SD1.5 unet config");
    }

    public static AutoencoderKLConfig vae() {
        return new AutoencoderKLConfig(3, 3, List.of("DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D",
                "DownEncoderBlock2D"), List.of("UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"),
                List.of(128, 256, 512, 512), 2, "silu", 4, 32, 512, 0.18215, null, true, true, true, true);
    }

    public static SchedulerConfig scheduler() {
        var n = new ObjectMapper().createObjectNode().put("num_train_timesteps", 1000).put("beta_start", 0.00085)
                .put("beta_end", 0.012).put("beta_schedule", "scaled_linear").put("steps_offset", 1)
                .put("set_alpha_to_one", false).put("clip_sample", false).put("skip_prk_steps", true);
        return Configs.read(n, SchedulerConfig.class, "SD1.5 scheduler config");
    }
}
