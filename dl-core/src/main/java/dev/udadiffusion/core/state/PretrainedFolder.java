package dev.udadiffusion.core.state;

import dev.udadiffusion.core.io.AtomicFiles;
import dev.udadiffusion.core.safetensors.DType;
import dev.udadiffusion.core.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A pretrained model folder as diffusers and transformers write it: {@code config.json} next to the weights, one
 * {@code NAME.safetensors} or a sharded {@code NAME.safetensors.index.json}. {@code NAME} is
 * {@link #DIFFUSERS} for diffusers models and {@link #TRANSFORMERS} for transformers models. Pickle checkpoints
 * ({@code .bin}, {@code .ckpt}, {@code .pt}) are refused: unpickling runs code.
 */
public final class PretrainedFolder {

    /** diffusers' weights name ({@code ModelMixin.save_pretrained}). */
    public static final String DIFFUSERS = "diffusion_pytorch_model";
    /** transformers' weights name ({@code PreTrainedModel.save_pretrained}). */
    public static final String TRANSFORMERS = "model";

    private PretrainedFolder() {
    }

    /** The folder's {@code config.json}; a clear error when the folder or the file is missing. */
    public static Path config(Path folder) {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException(folder + ": not a folder (expected a model folder with config.json and "
                    + "safetensors weights)");
        }
        Path cfg = folder.resolve("config.json");
        if (!Files.isRegularFile(cfg)) {
            throw new IllegalArgumentException(folder + ": no config.json (expected a diffusers or transformers model folder)");
        }
        return cfg;
    }

    /**
     * The weights: {@code NAME.safetensors}, else {@code NAME.safetensors.index.json}, else — when {@code anyName} —
     * the folder's only {@code *.safetensors} file (some exports rename it).
     */
    public static Path weights(Path folder, String name, boolean anyName) {
        return weights(folder, name, null, anyName);
    }

    /**
     * As above; with a {@code variant} (diffusers' {@code variant="fp16"}), {@code NAME.VARIANT.safetensors} and its
     * index are looked for first.
     */
    public static Path weights(Path folder, String name, String variant, boolean anyName) {
        List<String> names = new ArrayList<>();
        if (variant != null) {
            names.addAll(List.of(name + "." + variant + ".safetensors", name + ".safetensors." + variant + ".index.json",
                    name + "." + variant + ".safetensors.index.json"));
        }
        names.addAll(List.of(name + ".safetensors", name + ".safetensors.index.json"));
        for (String n : names) {
            if (Files.isRegularFile(folder.resolve(n))) {
                return folder.resolve(n);
            }
        }
        List<Path> safetensors = list(folder, n -> n.endsWith(".safetensors"));
        if (anyName && safetensors.size() == 1) {
            return safetensors.get(0);
        }
        List<Path> pickles = list(folder, n -> n.endsWith(".bin") || n.endsWith(".ckpt") || n.endsWith(".pt"));
        String found = safetensors.isEmpty() ? "" : "; found " + safetensors.size() + " other *.safetensors files";
        if (!pickles.isEmpty()) {
            throw new IllegalArgumentException(folder + ": no " + name + ".safetensors, only the pickle checkpoint "
                    + pickles.get(0).getFileName() + " (pickle files are not loaded: unpickling runs code; convert it to "
                    + "safetensors)" + found);
        }
        throw new IllegalArgumentException(folder + ": no " + name + ".safetensors or " + name + ".safetensors.index.json"
                + (variant == null ? "" : " (variant " + variant + ")") + found);
    }

    /**
     * Writes {@code config.json} and {@code NAME.safetensors} (every parameter, checkpoint layout, {@code format: pt}),
     * each atomically.
     */
    public static void save(Path folder, String configJson, Params params, String name) {
        AtomicFiles.writeString(folder.resolve("config.json"), configJson);
        StateDict.save(params, folder.resolve(name + ".safetensors"), k -> true);
    }

    /** As above, storing every tensor as {@code storage} (e.g. F16 to halve a file; loading widens it back to F32). */
    public static void save(Path folder, String configJson, Params params, String name, DType storage) {
        AtomicFiles.writeString(folder.resolve("config.json"), configJson);
        List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
        StateDict.torchTensors(params, k -> true).forEach((k, v) -> tensors.add(SafetensorsWriter.Tensor.of(k, v, storage)));
        SafetensorsWriter.write(folder.resolve(name + ".safetensors"), tensors, Map.of("format", "pt"));
    }

    private static List<Path> list(Path folder, Predicate<String> nameFilter) {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> nameFilter.test(p.getFileName().toString()) && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(folder + ": cannot list (" + e.getMessage() + ")", e);
        }
    }
}
