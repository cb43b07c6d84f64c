package dev.udadiffusion.data.io;

import java.nio.file.Path;

/**
 * One image–label pair of a dataset. {@code labelIsTrainIds} tells whether the label file already holds trainIds
 * (Cityscapes {@code _labelTrainIds.png}, generated sets) or the dataset's own ids that its {@code LabelMapping} maps.
 */
public record Sample(String id, Path image, Path label, boolean labelIsTrainIds) {
}
