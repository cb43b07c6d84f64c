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
