package dev.udadiffusion.data.rcs;

import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.data.augment.Augment;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.io.Sample;
import java.awt.image.BufferedImage;

/**
 * A training crop drawn with Rare Class Sampling, as DAFormer's {@code UDADataset}: a class from P(c), a file that has
 * it, then random crops of that file until one holds more than minPixels·ratio pixels of the class — checked up to
 * {@link RareClassSampler#MAX_CROP_TRIES} times, the next crop kept unchecked.
 */
public final class RcsCropper {

    /** A crop with the class it was drawn for and how many crops were tried. */
    public record Crop(Augment.Pair pair, int trainId, String file, int tries) {
    }

    /** Makes one augmented crop of a full image and its trainIds. */
    @FunctionalInterface
    public interface CropFn {
        Augment.Pair crop(BufferedImage image, int[][] labels, Rng rng);
    }

    private final CropFn cropFn;
    private final Datasets.Listing listing;
    private final RareClassSampler sampler;
    private final int width;
    private final int height;
    private final double minScale;
    private final double maxScale;

    public RcsCropper(Datasets.Listing listing, RareClassSampler sampler, int width, int height, double minScale,
            double maxScale) {
        this(listing, sampler, width, height, minScale, maxScale, null);
    }

    /** With any crop pipeline (e.g. DAFormer's resize + cat-max-ratio crop + flip); the acceptance rule is the same. */
    public RcsCropper(Datasets.Listing listing, RareClassSampler sampler, CropFn crop) {
        this(listing, sampler, 0, 0, 0, 0, crop);
    }

    private RcsCropper(Datasets.Listing listing, RareClassSampler sampler, int width, int height, double minScale,
            double maxScale, CropFn crop) {
        this.cropFn = crop != null ? crop : (img, lab, rng) -> Augment.randomFlip(
                Augment.randomResizedCrop(img, lab, width, height, minScale, maxScale, 0.75, 4.0 / 3, rng), rng);
        this.listing = listing;
        this.sampler = sampler;
        this.width = width;
        this.height = height;
        this.minScale = minScale;
        this.maxScale = maxScale;
    }

    public Crop next(Rng rng) {
        RareClassSampler.Pick pick = sampler.sample(rng);
        Sample s = listing.samples().get(pick.index());
        BufferedImage img = Images.read(s.image());
        int[][] lab = listing.readTrainIds(s);
        Augment.Pair p = null;
        int tries = 0;
        for (; tries <= RareClassSampler.MAX_CROP_TRIES; tries++) {
            p = cropFn.crop(img, lab, rng);
            if (tries == RareClassSampler.MAX_CROP_TRIES || sampler.accept(count(p.labels(), pick.trainId()))) {
                break;
            }
        }
        return new Crop(p, pick.trainId(), pick.file(), tries + 1);
    }

    static long count(int[][] labels, int c) {
        long n = 0;
        for (int[] row : labels) {
            for (int v : row) {
                if (v == c) {
                    n++;
                }
            }
        }
        return n;
    }
}
