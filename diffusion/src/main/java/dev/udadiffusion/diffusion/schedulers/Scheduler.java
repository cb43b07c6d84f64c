package dev.udadiffusion.diffusion.schedulers;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A diffusers noise scheduler: the inference timestep grid and the update x_t → x_{t−1} given the model's output.
 * Call {@link #setTimesteps} first; then for each t of {@link #timesteps()}: {@code scaleModelInput}, run the model,
 * {@code step}. Stochastic schedulers take the noise from the caller, so runs are reproducible.
 *
 * <p>Stateful (step counters, multistep history): not thread-safe; one instance per sampling run.
 */
public interface Scheduler {

    /** What one step returns: the new sample and, where the algorithm forms it, the predicted x̂0. */
    record StepOutput(INDArray prevSample, INDArray predOriginalSample) {
    }

    SchedulerConfig config();

    NoiseSchedule schedule();

    /** Prepares the grid of {@code n} inference steps and resets all state. */
    void setTimesteps(int n);

    /** The inference timesteps, in order of use (fractional for Euler). */
    double[] timesteps();

    /** Standard deviation of the initial noise: x_T = noise · initNoiseSigma. */
    double initNoiseSigma();

    /** The model input for sample x at timestep t (identity except for σ-parametrised schedulers). */
    INDArray scaleModelInput(INDArray sample, double t);

    /** One reverse step; {@code noise} (same shape as sample) is used by stochastic steps and may be null otherwise. */
    StepOutput step(INDArray modelOutput, double t, INDArray sample, INDArray noise);

    /**
     * Start the step counter at grid position {@code index} (img2img and other partial schedules; diffusers'
     * {@code set_begin_index}). Only schedulers that count steps need it.
     */
    default void setBeginIndex(int index) {
    }

    /** Whether {@link #step} consumes noise. */
    boolean isStochastic();

    /** Forward process for training: x_t = √ᾱ_t x0 + √(1−ᾱ_t) ε, with one timestep per sample (shape [B]). */
    INDArray addNoise(INDArray x0, INDArray noise, INDArray timesteps);

    /** The v-prediction target v = √ᾱ_t ε − √(1−ᾱ_t) x0. */
    INDArray velocity(INDArray x0, INDArray noise, INDArray timesteps);
}
