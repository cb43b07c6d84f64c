package dev.udadiffusion.data.io;

import java.nio.file.Path;

/**
 * One image–label pair of a dataset. {@code labelIsTrainIds} tells whether the label file already holds trainIds
 * (Cityscapes {@code _labelTrainIds.png}, generated sets) or the dataset's own ids that its {@code LabelMapping} maps.
 * A positive resize size makes readers resize the label to it (nearest neighbour; GTA5 pairs of differing sizes).
 */
public record Sample(String id, Path image, Path label, boolean labelIsTrainIds, int resizeWidth, int resizeHeight) {

    public Sample(String id, Path image, Path label, boolean labelIsTrainIds) {
        this(id, image, label, labelIsTrainIds, 0, 0);
    }

    /** Whether the label must be resized (nearest neighbour) to the image size when read. */
    public boolean resizesLabel() {
        return resizeWidth > 0 && resizeHeight > 0;
    }
}
