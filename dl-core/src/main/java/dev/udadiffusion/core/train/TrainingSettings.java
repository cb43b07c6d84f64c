package dev.udadiffusion.core.train;

import java.nio.file.Path;

/**
 * The settings every training recipe shares: how long and how it optimises, its seed, and where and how often it
 * writes. Recipes hold one of these next to their own settings; {@link TrainingLoop} runs on it directly.
 *
 * @param steps optimiser steps
 * @param gradAccum micro-batches per optimiser step
 * @param seed seed of every random choice of the run (per-step streams, so a resumed run draws what an uninterrupted
 *     one would)
 * @param outDir where checkpoints, {@code loss.csv} and the result go
 * @param resume continue from the newest checkpoint in {@code outDir}
 * @param emaDecay exponential moving average of the weights (0: off)
 */
public record TrainingSettings(long steps, int gradAccum, Optimizer optimizer, long seed, Path outDir,
        Checkpoints checkpoints, boolean resume, double emaDecay) {

    public TrainingSettings {
        if (steps < 1 || gradAccum < 1) {
            throw new IllegalArgumentException("steps and grad accumulation must be at least 1: " + steps + ", " + gradAccum);
        }
        if (emaDecay < 0 || emaDecay >= 1) {
            throw new IllegalArgumentException("emaDecay must be in [0, 1): " + emaDecay);
        }
        if (outDir == null) {
            throw new IllegalArgumentException("a training run needs an output folder");
        }
    }

    /**
     * AdamW and its learning-rate schedule.
     *
     * @param lrSchedule a diffusers schedule name ({@link LrSchedule}), e.g. {@code constant}, {@code constant_with_warmup}
     * @param maxGradNorm global gradient-norm clipping (0: off)
     */
    public record Optimizer(double lr, String lrSchedule, long warmup, double maxGradNorm, double weightDecay) {
        public Optimizer {
            if (!(lr > 0) || warmup < 0 || maxGradNorm < 0 || weightDecay < 0) {
                throw new IllegalArgumentException("lr must be positive; warmup, clipping and weight decay at least 0");
            }
        }
    }

    /**
     * @param every steps between checkpoints (0: none; the last step is always saved when on)
     * @param keep checkpoints kept
     * @param logEvery steps between log lines (0: none)
     */
    public record Checkpoints(long every, int keep, long logEvery) {
        public Checkpoints {
            if (every < 0 || keep < 1 || logEvery < 0) {
                throw new IllegalArgumentException("checkpoint interval and log interval ≥ 0, keep ≥ 1");
            }
        }
    }

    /** Settings with these defaults: 1 step, no accumulation, lr 1e-4 constant, clipping 1.0, decay 0.01, seed 0, no checkpoints (keep 2), a log line every 50 steps. */
    public static Builder builder(Path outDir) {
        return new Builder(outDir);
    }

    /** A builder holding these settings, to change some of them. */
    public Builder toBuilder() {
        return new Builder(outDir).steps(steps).gradAccum(gradAccum).lr(optimizer.lr())
                .lrSchedule(optimizer.lrSchedule()).warmup(optimizer.warmup()).maxGradNorm(optimizer.maxGradNorm())
                .weightDecay(optimizer.weightDecay()).seed(seed).checkpointEvery(checkpoints.every())
                .keepCheckpoints(checkpoints.keep()).logEvery(checkpoints.logEvery()).resume(resume).emaDecay(emaDecay);
    }

    /** Builds {@link TrainingSettings}; every setter returns the builder. */
    public static final class Builder {
        private Path outDir;
        private long steps = 1;
        private int gradAccum = 1;
        private double lr = 1e-4;
        private String lrSchedule = "constant";
        private long warmup;
        private double maxGradNorm = 1.0;
        private double weightDecay = 1e-2;
        private long seed;
        private long checkpointEvery;
        private int keepCheckpoints = 2;
        private long logEvery = 50;
        private boolean resume;
        private double emaDecay;

        private Builder(Path outDir) {
            this.outDir = outDir;
        }

        public Builder outDir(Path v) {
            outDir = v;
            return this;
        }

        public Builder steps(long v) {
            steps = v;
            return this;
        }

        public Builder gradAccum(int v) {
            gradAccum = v;
            return this;
        }

        public Builder lr(double v) {
            lr = v;
            return this;
        }

        public Builder lrSchedule(String v) {
            lrSchedule = v;
            return this;
        }

        public Builder warmup(long v) {
            warmup = v;
            return this;
        }

        public Builder maxGradNorm(double v) {
            maxGradNorm = v;
            return this;
        }

        public Builder weightDecay(double v) {
            weightDecay = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder checkpointEvery(long v) {
            checkpointEvery = v;
            return this;
        }

        public Builder keepCheckpoints(int v) {
            keepCheckpoints = v;
            return this;
        }

        public Builder logEvery(long v) {
            logEvery = v;
            return this;
        }

        public Builder resume(boolean v) {
            resume = v;
            return this;
        }

        public Builder emaDecay(double v) {
            emaDecay = v;
            return this;
        }

        public TrainingSettings build() {
            return new TrainingSettings(steps, gradAccum, new Optimizer(lr, lrSchedule, warmup, maxGradNorm, weightDecay),
                    seed, outDir, new Checkpoints(checkpointEvery, keepCheckpoints, logEvery), resume, emaDecay);
        }
    }
}
