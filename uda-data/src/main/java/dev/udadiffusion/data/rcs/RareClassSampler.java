package dev.udadiffusion.data.rcs;

import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.data.labels.CityscapesClasses;
import java.util.ArrayList;
import java.util.List;

/**
 * DAFormer's Rare Class Sampling (thesis §3.5): class frequencies f_c over the dataset, P(c) = softmax((1 − f_c)/T),
 * then a file uniformly among those with more than {@code minPixels} pixels of c (strict), and crop acceptance: a crop
 * is accepted when it has more than minPixels · minCropRatio pixels of c, re-cropping up to 10 times (the 11th crop is
 * kept unchecked). Classes with no candidate file get probability 0 (DAFormer asserts instead; a small generated set
 * may lack a class).
 */
public final class RareClassSampler {

    private final List<ClassStats> stats;
    private final double[] probs;
    private final double[] freq;
    private final List<List<Integer>> candidates = new ArrayList<>();
    private final long minPixels;
    private final double minCropRatio;
    private final long[] timesSampled = new long[CityscapesClasses.COUNT];

    public RareClassSampler(List<ClassStats> stats, double temperature, long minPixels, double minCropRatio) {
        if (stats.isEmpty()) {
            throw new IllegalArgumentException("no class statistics to sample from");
        }
        if (temperature <= 0) {
            throw new IllegalArgumentException("temperature must be positive");
        }
        this.stats = List.copyOf(stats);
        this.minPixels = minPixels;
        this.minCropRatio = minCropRatio;
        int k = CityscapesClasses.COUNT;
        long[] total = new long[k];
        for (ClassStats s : stats) {
            for (int c = 0; c < k; c++) {
                total[c] += s.count(c);
            }
        }
        long sum = 0;
        for (long t : total) {
            sum += t;
        }
        if (sum == 0) {
            throw new IllegalArgumentException("the label maps contain no valid pixel");
        }
        freq = new double[k];
        for (int c = 0; c < k; c++) {
            freq[c] = (double) total[c] / sum;
            List<Integer> files = new ArrayList<>();
            for (int i = 0; i < stats.size(); i++) {
                if (stats.get(i).count(c) > minPixels) {
                    files.add(i);
                }
            }
            candidates.add(files);
        }
        probs = new double[k];
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            if (total[c] > 0 && !candidates.get(c).isEmpty()) {
                max = Math.max(max, (1 - freq[c]) / temperature);
            }
        }
        double z = 0;
        for (int c = 0; c < k; c++) {
            if (total[c] > 0 && !candidates.get(c).isEmpty()) {
                probs[c] = Math.exp((1 - freq[c]) / temperature - max); // stable softmax
                z += probs[c];
            }
        }
        // with no candidate file for any class every probability stays 0 and sampling is refused (see sampleClass)
        for (int c = 0; c < k && z > 0; c++) {
            probs[c] /= z;
        }
    }

    /** DAFormer defaults: T 0.01, 3000 pixels, crop ratio 0.5. */
    public static RareClassSampler daformer(List<ClassStats> stats) {
        return new RareClassSampler(stats, 0.01, 3000, 0.5);
    }

    public double probability(int c) {
        return probs[c];
    }

    public double frequency(int c) {
        return freq[c];
    }

    public List<Integer> candidates(int c) {
        return List.copyOf(candidates.get(c));
    }

    /** A class drawn from P(c). */
    public int sampleClass(Rng rng) {
        double u = rng.nextDouble();
        double acc = 0;
        int last = -1;
        for (int c = 0; c < probs.length; c++) {
            if (probs[c] > 0) {
                acc += probs[c];
                last = c;
                if (u < acc) {
                    return c;
                }
            }
        }
        if (last < 0) {
            throw new IllegalStateException("no class has more than " + minPixels + " pixels in any of the " + stats.size()
                    + " label maps; lower the minimum pixel count for small images (DAFormer: 3000 at full resolution)");
        }
        return last;
    }

    /** (class, file) drawn as DAFormer does; counts how often each class was drawn. */
    public Pick sample(Rng rng) {
        int c = sampleClass(rng);
        List<Integer> files = candidates.get(c);
        int i = files.get(rng.nextInt(files.size()));
        timesSampled[c]++;
        return new Pick(c, i, stats.get(i).file());
    }

    /** A sampled class and the file chosen for it. */
    public record Pick(int trainId, int index, String file) {
    }

    /** Whether a crop holding {@code pixelsOfClass} pixels of the sampled class is accepted (strict &gt;). */
    public boolean accept(long pixelsOfClass) {
        return pixelsOfClass > minPixels * minCropRatio;
    }

    /** Maximum number of checked re-crops before the next crop is kept unchecked. */
    public static final int MAX_CROP_TRIES = 10;

    /** How many times each class was sampled so far (for run reports). */
    public long[] timesSampled() {
        return timesSampled.clone();
    }
}
