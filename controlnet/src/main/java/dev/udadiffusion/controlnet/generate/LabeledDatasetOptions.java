package dev.udadiffusion.controlnet.generate;

import dev.udadiffusion.controlnet.MaskPrompt;

/**
 * How {@link LabeledDatasetGenerator} makes a labeled set. Start from {@link #thesis(int)} or {@link #builder(int)}
 * (the thesis's settings) and change what differs, e.g. {@code LabeledDatasetOptions.builder(500).size(256, 128)
 * .rcs(0, 0).scr(null).build()}.
 *
 * @param count samples to produce (ids 0 … count−1)
 * @param seed every sample's mask choice, noise and refinements depend only on (seed, index)
 * @param scr Small Components Refinement options, null for none
 * @param batch samples denoised together (per-sample noise keeps results independent of it)
 * @param split the Cityscapes split folder written ({@code leftImg8bit/SPLIT/CITY})
 * @param city the Cityscapes city folder written
 */
public record LabeledDatasetOptions(int count, long seed, Sampling sampling, Rcs rcs, SmallComponentsRefinement.Options scr,
        int batch, String split, String city) implements java.io.Serializable {

    /**
     * The sampler: size (a multiple of 8; masks are resized to it with nearest neighbour), DDIM steps, guidance, ControlNet
     * scale; {@code prompt} one fixed prompt for every sample and refinement, null for the class names in the mask (the
     * thesis's rule, {@link MaskPrompt}); {@code guessMode} diffusers' {@code guess_mode}: residuals scaled by
     * logspace(−1, 0) from the outer to the middle block and, with guidance above 1, the ControlNet applied to the
     * conditional half only — guidance then amplifies the control itself.
     */
    public record Sampling(int width, int height, int steps, double guidance, double controlScale, String prompt,
            boolean guessMode) implements java.io.Serializable {
        public Sampling {
            if (steps < 1) {
                throw new IllegalArgumentException("steps must be positive, got " + steps);
            }
            if (width % 8 != 0 || height % 8 != 0 || width <= 0 || height <= 0) {
                throw new IllegalArgumentException("generation size must be positive multiples of 8, got " + width + "x" + height);
            }
        }
    }

    /** Rare Class Sampling: temperature (thesis 0.01; 0 takes the masks in order, cycling) and the minimum class pixels. */
    public record Rcs(double temperature, long minPixels) implements java.io.Serializable {
        public static final Rcs OFF = new Rcs(0, 0);
    }

    public LabeledDatasetOptions {
        if (count < 1 || batch < 1) {
            throw new IllegalArgumentException("count and batch must be positive, got " + count + " and " + batch);
        }
        if (sampling == null || rcs == null || split == null || city == null) {
            throw new IllegalArgumentException("sampling, rcs, split and city must be given");
        }
    }

    /** The thesis's generation settings (DDIM 20 steps, guidance 7.5, RCS T 0.01, SCR 3000 px / 20) at 512×512. */
    public static LabeledDatasetOptions thesis(int count) {
        return builder(count).build();
    }

    /** A builder starting from the thesis's settings. */
    public static Builder builder(int count) {
        return new Builder(count);
    }

    public Builder toBuilder() {
        Builder b = new Builder(count);
        b.seed = seed;
        b.sampling = sampling;
        b.rcs = rcs;
        b.scr = scr;
        b.batch = batch;
        b.split = split;
        b.city = city;
        return b;
    }

    public int width() {
        return sampling.width();
    }

    public int height() {
        return sampling.height();
    }

    String promptFor(int[][] labels) {
        return sampling.prompt() != null ? sampling.prompt() : MaskPrompt.of(labels);
    }

    /** Sets one group or one field at a time; {@link #build()} validates. */
    public static final class Builder {
        private final int count;
        private long seed;
        private Sampling sampling = new Sampling(512, 512, 20, 7.5, 1.0, null, false);
        private Rcs rcs = new Rcs(0.01, 3000);
        private SmallComponentsRefinement.Options scr = SmallComponentsRefinement.Options.THESIS;
        private int batch = 1;
        private String split = "train";
        private String city = "generated";

        private Builder(int count) {
            this.count = count;
        }

        public Builder seed(long s) {
            seed = s;
            return this;
        }

        public Builder sampling(Sampling s) {
            sampling = s;
            return this;
        }

        public Builder size(int width, int height) {
            Sampling s = sampling;
            sampling = new Sampling(width, height, s.steps(), s.guidance(), s.controlScale(), s.prompt(), s.guessMode());
            return this;
        }

        public Builder steps(int n) {
            Sampling s = sampling;
            sampling = new Sampling(s.width(), s.height(), n, s.guidance(), s.controlScale(), s.prompt(), s.guessMode());
            return this;
        }

        public Builder guidance(double g) {
            Sampling s = sampling;
            sampling = new Sampling(s.width(), s.height(), s.steps(), g, s.controlScale(), s.prompt(), s.guessMode());
            return this;
        }

        public Builder controlScale(double c) {
            Sampling s = sampling;
            sampling = new Sampling(s.width(), s.height(), s.steps(), s.guidance(), c, s.prompt(), s.guessMode());
            return this;
        }

        /** One fixed prompt for every sample (null: the class names present in the mask). */
        public Builder prompt(String p) {
            Sampling s = sampling;
            sampling = new Sampling(s.width(), s.height(), s.steps(), s.guidance(), s.controlScale(), p, s.guessMode());
            return this;
        }

        public Builder guessMode(boolean g) {
            Sampling s = sampling;
            sampling = new Sampling(s.width(), s.height(), s.steps(), s.guidance(), s.controlScale(), s.prompt(), g);
            return this;
        }

        /** Rare Class Sampling temperature (0: masks in order) and minimum class pixels. */
        public Builder rcs(double temperature, long minPixels) {
            rcs = new Rcs(temperature, minPixels);
            return this;
        }

        /** Small Components Refinement, null for none. */
        public Builder scr(SmallComponentsRefinement.Options s) {
            scr = s;
            return this;
        }

        public Builder batch(int b) {
            batch = b;
            return this;
        }

        /** Where the samples go: {@code leftImg8bit/SPLIT/CITY}. */
        public Builder output(String splitName, String cityName) {
            split = splitName;
            city = cityName;
            return this;
        }

        public LabeledDatasetOptions build() {
            return new LabeledDatasetOptions(count, seed, sampling, rcs, scr, batch, split, city);
        }
    }
}
