package dev.udadiffusion.cli;

import dev.udadiffusion.data.io.Datasets;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --layout}, {@code --split} and {@code --unknown-ids-to-ignore}: how the commands that read a dataset open its root (a picocli mixin). */
final class LayoutOptions {
    @Option(names = "--layout", defaultValue = "auto", description = "gta5, cityscapes or auto (default: ${DEFAULT-VALUE})")
    String layout;

    @Option(names = "--split", description = "Cityscapes split (default: train; val for evaluation)")
    String split;

    @Option(names = "--unknown-ids-to-ignore", description = "read label ids outside the layout's table as ignore (255) "
            + "instead of stopping with an error naming the file, pixel and value")
    boolean unknownToIgnore;

    Datasets.Listing open(Path dir, Datasets.Policy policy, boolean checkSizes) {
        return open(dir, policy, checkSizes, "train");
    }

    Datasets.Listing open(Path dir, Datasets.Policy policy, boolean checkSizes, String defaultSplit) {
        return Datasets.open(dir, Datasets.Layout.parse(layout), split == null ? defaultSplit : split, policy, checkSizes)
                .withUnknownToIgnore(unknownToIgnore);
    }
}
