package dev.udadiffusion.spark;

import dev.udadiffusion.controlnet.generate.LabeledDatasetOptions;
import java.io.Serializable;

/**
 * What a cluster generation job makes — the same inputs as {@code udadiff generate-dataset}, as locations every
 * executor can read ({@link Locations}).
 *
 * @param sourceLabels root of the source dataset whose label maps are the masks
 * @param layout {@code gta5}, {@code cityscapes} or {@code auto}
 * @param split the Cityscapes split of the masks
 * @param unknownToIgnore read label ids outside the layout's table as ignore
 * @param model base Stable Diffusion folder or single file
 * @param tokenizer tokenizer folder (single-file checkpoints), or null
 * @param unet the U-Net to generate with (U-Net swap), or null for the model's
 * @param controlNet the mask ControlNet folder
 * @param scheduler scheduler name ({@code ddim}, …)
 * @param options the generator's settings (count, seed, sampling, RCS, SCR, batch, output split and city)
 * @param out the output root: a folder every executor writes to (a local path or {@code file:} URI of a shared mount)
 * @param partitions Spark partitions (each a run of whole batch groups); 0 chooses 4 per core of the cluster
 */
public record GenerationJobSpec(String sourceLabels, String layout, String split, boolean unknownToIgnore, String model,
        String tokenizer, String unet, String controlNet, String scheduler, LabeledDatasetOptions options, String out,
        int partitions) implements Serializable {

    public GenerationJobSpec {
        if (sourceLabels == null || model == null || controlNet == null || options == null || out == null) {
            throw new IllegalArgumentException("source labels, model, ControlNet, options and output are required");
        }
        if (!Locations.isLocal(out)) {
            throw new IllegalArgumentException(out + ": the output must be a folder every executor can write with atomic "
                    + "renames — a local path or file: URI on a shared file system (NFS, Lustre, a mounted bucket); "
                    + "object stores do not rename atomically");
        }
        if (partitions < 0) {
            throw new IllegalArgumentException("partitions must be 0 (automatic) or positive, got " + partitions);
        }
    }
}
