package dev.udadiffusion.experiments.demo;

import java.nio.file.Path;

/**
 * What {@link Demo#run} does: the zoo it runs on, where it writes, how many seeds, which parts of the method are on,
 * how much work each row gets, the ControlNet scale, and how many SegFormer rows train side by side.
 *
 * @param jobs rows trained side by side, each with an equal share of the cores (0: one per core, at most 4)
 * @param rows which rows the table has
 */
public record DemoOptions(Path zoo, Path out, int seeds, Ablations ablations, Budget budget, double controlScale, int jobs,
        RowSet rows) {

    /** The table's rows. */
    public enum RowSet {
        /** source, source + photometric aug., generated, target (oracle). */
        DEMO,
        /** The demo's rows, then source + self-training and generated + self-training (DAFormer's DACS, target images unlabeled). */
        DEMO_SELF_TRAINING,
        /** Table 4.5's rows: source, generated, source + self-training, generated + self-training. */
        TABLE_4_5,
        /** The generated set alone (Table 4.4 compares generators). */
        GENERATED_ONLY
    }

    public DemoOptions {
        if (seeds < 1) {
            throw new IllegalArgumentException("--seeds must be at least 1");
        }
        if (jobs < 0) {
            throw new IllegalArgumentException("--jobs must be at least 1");
        }
    }

    /** Which of the method's parts are on (the Table 4.4 ablations turn one off). */
    public record Ablations(boolean rcs, boolean scr, boolean swap) {
        public static final Ablations FULL_METHOD = new Ablations(true, true, true);

        /** " no-swap no-RCS" etc.: the variant's suffix, empty for the full method. */
        String variant() {
            return (swap ? "" : " no-swap") + (rcs ? "" : " no-RCS") + (scr ? "" : " no-SCR");
        }
    }

    /**
     * @param count generated samples per seed
     * @param segformerSteps SegFormer training steps per row
     * @param denoisingSteps DDIM steps per generated sample
     * @param scrMaxRefinements Small Components Refinement's most refinements per image
     */
    public record Budget(int count, long segformerSteps, int denoisingSteps, int scrMaxRefinements) {
        /** The protocol of the measured tables. */
        public static final Budget STANDARD = new Budget(192, 500, 20, 3);
        /** A smoke run (numbers meaningless). */
        public static final Budget QUICK = new Budget(8, 15, 4, 1);

        public Budget {
            if (count < 1 || segformerSteps < 1 || denoisingSteps < 1 || scrMaxRefinements < 0) {
                throw new IllegalArgumentException("a budget needs at least one sample, training step and denoising step");
            }
        }

        public Budget withCount(int n) {
            return new Budget(n, segformerSteps, denoisingSteps, scrMaxRefinements);
        }

        public Budget withSegformerSteps(long n) {
            return new Budget(count, n, denoisingSteps, scrMaxRefinements);
        }
    }

    /** The measured protocol: one seed, the full method, the standard budget, ControlNet scale 1, default parallelism. */
    public static DemoOptions standard(Path zoo, Path out) {
        return new DemoOptions(zoo, out, 1, Ablations.FULL_METHOD, Budget.STANDARD, 1.0, 0, RowSet.DEMO);
    }

    public DemoOptions withSeeds(int n) {
        return new DemoOptions(zoo, out, n, ablations, budget, controlScale, jobs, rows);
    }

    public DemoOptions withAblations(Ablations a) {
        return new DemoOptions(zoo, out, seeds, a, budget, controlScale, jobs, rows);
    }

    public DemoOptions withBudget(Budget b) {
        return new DemoOptions(zoo, out, seeds, ablations, b, controlScale, jobs, rows);
    }

    public DemoOptions withControlScale(double s) {
        return new DemoOptions(zoo, out, seeds, ablations, budget, s, jobs, rows);
    }

    public DemoOptions withJobs(int n) {
        return new DemoOptions(zoo, out, seeds, ablations, budget, controlScale, n, rows);
    }

    public DemoOptions withRows(RowSet r) {
        return new DemoOptions(zoo, out, seeds, ablations, budget, controlScale, jobs, r);
    }
}
