package dev.udadiffusion.diffusion.train;

import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.safetensors.SafetensorsWriter;
import dev.udadiffusion.diffusion.vae.AutoencoderKL;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * VAE posteriors of every training image (centre crop, and its mirror image when flips are on), computed once and
 * kept in a safetensors file, so U-Net training needs no VAE pass per step; each step still samples the posterior
 * (mean + std · ε), as encoding on the fly does. The file is reused when it matches the data and resolution.
 */
final class LatentCache {

    private final Map<String, INDArray> entries;

    private LatentCache(Map<String, INDArray> entries) {
        this.entries = entries;
    }

    static LatentCache build(ImageFolderData data, AutoencoderKL vae, int resolution, boolean flips, Path file) {
        String stamp = data.size() + "x" + resolution + (flips ? "+flip" : "");
        if (Files.isRegularFile(file)) {
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                if (stamp.equals(f.metadata().get("stamp"))) {
                    Map<String, INDArray> m = new LinkedHashMap<>();
                    for (String n : f.names()) {
                        m.put(n, f.load(n));
                    }
                    return new LatentCache(m);
                }
            }
        }
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (int i = 0; i < data.size(); i++) {
            BufferedImage img = ImageFolderData.prepare(Images.read(data.items().get(i).image()), resolution, false, false, null);
            for (int flip = 0; flip < (flips ? 2 : 1); flip++) {
                BufferedImage src = flip == 0 ? img : ImageFolderData.copy(img, true);
                AutoencoderKL.Posterior post = vae.encode(Images.toTensor(src));
                m.put("mean." + i + "." + flip, post.mean());
                m.put("std." + i + "." + flip, post.std());
            }
        }
        SafetensorsWriter.write(file, m, Map.of("stamp", stamp));
        return new LatentCache(m);
    }

    INDArray mean(int i, boolean flip) {
        return entries.get("mean." + i + "." + (flip ? 1 : 0));
    }

    INDArray std(int i, boolean flip) {
        return entries.get("std." + i + "." + (flip ? 1 : 0));
    }
}
