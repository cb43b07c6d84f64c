package dev.udadiffusion.experiments;

import dev.udadiffusion.core.train.TrainingLoop;

/**
 * Where an experiment reports while it runs: lines, progress of countable work, and training progress. The command line
 * renders it on the terminal; {@link #silent()} drops everything (tests, embedding programs).
 */
public interface ExperimentLog {

    /** A line of output. */
    void line(String text);

    /** Progress of {@code total} units of work named {@code label}. */
    Bar bar(String label, long total);

    /** Progress of one training run, with a summary line every {@code logEvery} steps. */
    TrainingLoop.Listener training(long logEvery);

    /** Progress of countable work; thread-safe, so jobs running side by side may share one bar. */
    interface Bar {
        /** {@code done} units finished so far; {@code detail} says what is being done. */
        void update(long done, String detail);

        /** Units finished by an earlier run (resumed work): they fill the bar but do not count toward its rate. */
        void skip(long units);

        /** A line shown above the bar. */
        void log(String text);

        void finish();
    }

    /** A log that reports nothing. */
    static ExperimentLog silent() {
        Bar bar = new Bar() {
            @Override
            public void update(long done, String detail) {
            }

            @Override
            public void skip(long units) {
            }

            @Override
            public void log(String text) {
            }

            @Override
            public void finish() {
            }
        };
        return new ExperimentLog() {
            @Override
            public void line(String text) {
            }

            @Override
            public Bar bar(String label, long total) {
                return bar;
            }

            @Override
            public TrainingLoop.Listener training(long logEvery) {
                return (step, total, result, secondsPerStep) -> { };
            }
        };
    }
}
