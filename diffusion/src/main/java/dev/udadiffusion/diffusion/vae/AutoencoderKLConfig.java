package dev.udadiffusion.diffusion.vae;

import dev.udadiffusion.core.config.Configs;
import java.nio.file.Path;
import java.util.List;

/**
 * diffusers {@code AutoencoderKL} config ({@code vae/config.json}); nulls take diffusers' defaults. Options this
 * library does not implement fail here, by name.
 */
public record AutoencoderKLConfig(Integer inChannels, Integer outChannels, List<String> downBlockTypes,
        List<String> upBlockTypes, List<Integer> blockOutChannels, Integer layersPerBlock, String actFn,
        Integer latentChannels, Integer normNumGroups, Integer sampleSize, Double scalingFactor, Double shiftFactor,
        Boolean useQuantConv, Boolean usePostQuantConv, Boolean midBlockAddAttention, Boolean forceUpcast) {

    public AutoencoderKLConfig {
        inChannels = inChannels == null ? 3 : inChannels;
        outChannels = outChannels == null ? 3 : outChannels;
        blockOutChannels = blockOutChannels == null ? List.of(64) : List.copyOf(blockOutChannels);
        downBlockTypes = downBlockTypes == null ? List.of("DownEncoderBlock2D") : List.copyOf(downBlockTypes);
        upBlockTypes = upBlockTypes == null ? List.of("UpDecoderBlock2D") : List.copyOf(upBlockTypes);
        layersPerBlock = layersPerBlock == null ? 1 : layersPerBlock;
        actFn = actFn == null ? "silu" : actFn;
        latentChannels = latentChannels == null ? 4 : latentChannels;
        normNumGroups = normNumGroups == null ? 32 : normNumGroups;
        sampleSize = sampleSize == null ? 32 : sampleSize;
        scalingFactor = scalingFactor == null ? 0.18215 : scalingFactor;
        useQuantConv = useQuantConv == null || useQuantConv;
        usePostQuantConv = usePostQuantConv == null || usePostQuantConv;
        midBlockAddAttention = midBlockAddAttention == null || midBlockAddAttention;
        forceUpcast = forceUpcast == null || forceUpcast;
        Configs.require("silu".equals(actFn), "act_fn", actFn, "only silu");
        Configs.requireRange("block_out_channels", blockOutChannels, 1, Configs.MAX_WIDTH);
        Configs.require(blockOutChannels.size() <= 8, "block_out_channels", blockOutChannels, "at most 8 blocks");
        Configs.requireRange("in_channels", inChannels, 1, Configs.MAX_WIDTH);
        Configs.requireRange("out_channels", outChannels, 1, Configs.MAX_WIDTH);
        Configs.requireRange("latent_channels", latentChannels, 1, Configs.MAX_WIDTH);
        Configs.requireRange("layers_per_block", layersPerBlock, 1, 64);
        Configs.requireRange("norm_num_groups", normNumGroups, 1, Configs.MAX_WIDTH);
        Configs.requireRange("sample_size", sampleSize, 1, Configs.MAX_WIDTH);
        Configs.require(Double.isFinite(scalingFactor) && scalingFactor > 0, "scaling_factor", scalingFactor,
                "a positive number");
        Configs.require(downBlockTypes.stream().allMatch("DownEncoderBlock2D"::equals), "down_block_types",
                downBlockTypes, "only DownEncoderBlock2D");
        Configs.require(upBlockTypes.stream().allMatch("UpDecoderBlock2D"::equals), "up_block_types", upBlockTypes,
                "only UpDecoderBlock2D");
        Configs.require(downBlockTypes.size() == blockOutChannels.size() && upBlockTypes.size() == blockOutChannels.size(),
                "block types", downBlockTypes.size() + "/" + upBlockTypes.size(), "one per block_out_channels entry");
        for (int c : blockOutChannels) {
            Configs.require(c % normNumGroups == 0, "block_out_channels", blockOutChannels,
                    "each divisible by norm_num_groups " + normNumGroups);
        }
    }

    public static AutoencoderKLConfig read(Path configJson) {
        return Configs.read(configJson, AutoencoderKLConfig.class);
    }

    /** Spatial downscaling factor of the latent space (8 for SD). */
    public int downscale() {
        return 1 << (blockOutChannels.size() - 1);
    }
}
