package dev.udadiffusion.diffusion.schedulers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.udadiffusion.core.config.Configs;
import java.nio.file.Path;
import java.util.List;

/**
 * A diffusers {@code scheduler_config.json}: the union of the fields of the schedulers implemented here. Fields left
 * null take each scheduler class's own default (they differ: e.g. {@code timestep_spacing} is "leading" for DDIM,
 * DDPM and PNDM but "linspace" for Euler, DPM-Solver and UniPC).
 */
public record SchedulerConfig(Integer numTrainTimesteps, Double betaStart, Double betaEnd, String betaSchedule,
        List<Double> trainedBetas, Boolean clipSample, Double clipSampleRange, Boolean setAlphaToOne,
        Integer stepsOffset, String predictionType, String timestepSpacing, Boolean skipPrkSteps, String varianceType,
        Boolean thresholding, Integer solverOrder, String algorithmType, String solverType, Boolean lowerOrderFinal,
        Boolean eulerAtFinal, Boolean useKarrasSigmas, Boolean useExponentialSigmas, Boolean useBetaSigmas,
        Boolean useLuLambdas, Boolean useFlowSigmas, String finalSigmasType, String interpolationType,
        Boolean rescaleBetasZeroSnr, List<Integer> disableCorrector, Boolean predictX0, String timestepType,
        JsonNode lambdaMinClipped, Boolean useDynamicShifting) {

    public SchedulerConfig {
        numTrainTimesteps = numTrainTimesteps == null ? 1000 : numTrainTimesteps;
        betaStart = betaStart == null ? 0.0001 : betaStart;
        betaEnd = betaEnd == null ? 0.02 : betaEnd;
        betaSchedule = betaSchedule == null ? "linear" : betaSchedule;
        predictionType = predictionType == null ? "epsilon" : predictionType;
        stepsOffset = stepsOffset == null ? 0 : stepsOffset;
        rescaleBetasZeroSnr = rescaleBetasZeroSnr != null && rescaleBetasZeroSnr;
        Configs.requireRange("num_train_timesteps", numTrainTimesteps, 1, 1_000_000);
        Configs.require(Double.isFinite(betaStart) && betaStart > 0 && betaStart < 1, "beta_start", betaStart, "in (0, 1)");
        Configs.require(Double.isFinite(betaEnd) && betaEnd > 0 && betaEnd < 1, "beta_end", betaEnd, "in (0, 1)");
        Configs.require(List.of("epsilon", "v_prediction", "sample").contains(predictionType), "prediction_type",
                predictionType, "epsilon, v_prediction or sample");
        Configs.require(List.of("linear", "scaled_linear", "squaredcos_cap_v2").contains(betaSchedule) || trainedBetas != null,
                "beta_schedule", betaSchedule, "linear, scaled_linear, squaredcos_cap_v2 or trained_betas");
        Configs.require(thresholding == null || !thresholding, "thresholding", thresholding, "false");
        Configs.require(useKarrasSigmas == null || !useKarrasSigmas, "use_karras_sigmas", useKarrasSigmas, "false");
        Configs.require(useExponentialSigmas == null || !useExponentialSigmas, "use_exponential_sigmas",
                useExponentialSigmas, "false");
        Configs.require(useBetaSigmas == null || !useBetaSigmas, "use_beta_sigmas", useBetaSigmas, "false");
        Configs.require(useLuLambdas == null || !useLuLambdas, "use_lu_lambdas", useLuLambdas, "false");
        Configs.require(useFlowSigmas == null || !useFlowSigmas, "use_flow_sigmas", useFlowSigmas, "false");
        Configs.require(useDynamicShifting == null || !useDynamicShifting, "use_dynamic_shifting", useDynamicShifting, "false");
        Configs.require(timestepSpacing == null || List.of("leading", "trailing", "linspace").contains(timestepSpacing),
                "timestep_spacing", timestepSpacing, "leading, trailing or linspace");
        Configs.require(finalSigmasType == null || List.of("zero", "sigma_min").contains(finalSigmasType),
                "final_sigmas_type", finalSigmasType, "zero or sigma_min");
        Configs.require(interpolationType == null || interpolationType.equals("linear"), "interpolation_type",
                interpolationType, "linear");
        Configs.require(timestepType == null || timestepType.equals("discrete"), "timestep_type", timestepType, "discrete");
        Configs.require(lambdaMinClipped == null || lambdaMinClipped.isNull() || "-Infinity".equals(lambdaMinClipped.asText())
                || lambdaMinClipped.isNumber() && Double.isInfinite(lambdaMinClipped.doubleValue()),
                "lambda_min_clipped", lambdaMinClipped, "-inf");
    }

    public static SchedulerConfig read(Path file) {
        return Configs.read(file, SchedulerConfig.class);
    }

    /** {@code timestep_spacing}, or the scheduler class's default. */
    String spacing(String classDefault) {
        return timestepSpacing == null ? classDefault : timestepSpacing;
    }
}
