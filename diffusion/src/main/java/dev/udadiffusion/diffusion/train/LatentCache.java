package dev.udadiffusion.diffusion.train;

import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.core.io.Fingerprints;
import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.safetensors.SafetensorsWriter;
import dev.udadiffusion.diffusion.vae.AutoencoderKL;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * VAE posteriors of every training image (centre crop, and its mirror image when flips are on), computed once and
 * kept in a safetensors file, so U-Net training needs no VAE pass per step; each step still samples the posterior
 * (mean + std · ε), as encoding on the fly does.
 *
 * <p>Entries are keyed by the SHA-256 of the image file's bytes, and the file is stamped with the resolution and a
 * fingerprint of the VAE's weights: a file can be shared by runs on overlapping image sets (the toy zoo's prior on
 * both domains, then one U-Net per domain) and each image is encoded once; a different VAE or resolution starts over.
 * A posterior does not depend on which other images share its VAE call (bit for bit, LatentCacheTest), so a shared entry is
 * exactly what the run would have computed itself.
 */
final class LatentCache {

    /**
     * Tensors per VAE call. One per call cost ≈ 80 ms for a 128×64 toy image, mostly per-op dispatch; 32 per call
     * cost ≈ 15–20 ms each and give the same posteriors bit for bit.
     */
    private static final int ENCODE_BATCH = 32;

    /** Per image of the data set, per flip: posterior mean and std. */
    private final INDArray[][] means;
    private final INDArray[][] stds;
    private final int encoded;

    private LatentCache(INDArray[][] means, INDArray[][] stds, int encoded) {
        this.means = means;
        this.stds = stds;
        this.encoded = encoded;
    }

    /** Posteriors this build computed (the rest came from the file). */
    int encoded() {
        return encoded;
    }

    static LatentCache build(ImageFolderData data, AutoencoderKL vae, int resolution, boolean flips, Path file) {
        String stamp = "res=" + resolution + " vae=" + fingerprint(vae);
        int nf = flips ? 2 : 1;
        String[] ids = new String[data.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = Fingerprints.sha256(data.items().get(i).image()); // the key, wherever the file lies
        }
        Map<String, INDArray> m = new LinkedHashMap<>();
        boolean reusable = false;
        if (Files.isRegularFile(file)) {
            try (SafetensorsFile f = SafetensorsFile.open(file)) {
                reusable = stamp.equals(f.metadata().get("stamp"));
                if (reusable) {
                    for (String n : f.names()) {
                        m.put(n, f.load(n));
                    }
                }
            }
        }
        List<String> keys = new ArrayList<>();
        List<INDArray> batch = new ArrayList<>();
        int encoded = 0;
        for (int i = 0; i < data.size(); i++) {
            BufferedImage img = null;
            for (int flip = 0; flip < nf; flip++) {
                String key = ids[i] + "." + flip;
                if (m.containsKey("mean." + key) || keys.contains(key)) {
                    continue;
                }
                if (img == null) {
                    img = ImageFolderData.prepare(Images.read(data.items().get(i).image()), resolution, false, false, null);
                }
                INDArray x = Images.toTensor(flip == 0 ? img : ImageFolderData.copy(img, true));
                if (!batch.isEmpty() && !Arrays.equals(batch.get(0).shape(), x.shape())) {
                    encode(vae, keys, batch, m); // images of another size (native resolution) go in their own call
                }
                keys.add(key);
                batch.add(x);
                encoded++;
            }
            if (batch.size() >= ENCODE_BATCH) {
                encode(vae, keys, batch, m);
            }
        }
        encode(vae, keys, batch, m);
        if (encoded > 0 || !reusable) {
            SafetensorsWriter.write(file, m, Map.of("stamp", stamp));
        }
        INDArray[][] mean = new INDArray[data.size()][nf];
        INDArray[][] std = new INDArray[data.size()][nf];
        for (int i = 0; i < data.size(); i++) {
            for (int flip = 0; flip < nf; flip++) {
                mean[i][flip] = m.get("mean." + ids[i] + "." + flip);
                std[i][flip] = m.get("std." + ids[i] + "." + flip);
            }
        }
        return new LatentCache(mean, std, encoded);
    }

    /** SHA-256 over the VAE's parameters (name, shape, values), so a cache never serves another VAE's latents. */
    private static String fingerprint(AutoencoderKL vae) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String k : new TreeSet<>(vae.params().specs().keySet())) {
                INDArray v = vae.params().torchValue(k);
                md.update((k + Arrays.toString(v.shape())).getBytes(StandardCharsets.UTF_8));
                ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(v.length()) * 4);
                b.asFloatBuffer().put(v.dup().data().asFloat());
                md.update(b.array());
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Encodes the pending tensors in one VAE call, stores each posterior under its key and clears the lists. */
    private static void encode(AutoencoderKL vae, List<String> keys, List<INDArray> batch, Map<String, INDArray> m) {
        if (batch.isEmpty()) {
            return;
        }
        AutoencoderKL.Posterior post = vae.encode(Nd4j.concat(0, batch.toArray(new INDArray[0])));
        for (int k = 0; k < keys.size(); k++) {
            m.put("mean." + keys.get(k), post.mean().get(NDArrayIndex.interval(k, k + 1)).dup());
            m.put("std." + keys.get(k), post.std().get(NDArrayIndex.interval(k, k + 1)).dup());
        }
        keys.clear();
        batch.clear();
    }

    INDArray mean(int i, boolean flip) {
        return means[i][flip ? 1 : 0];
    }

    INDArray std(int i, boolean flip) {
        return stds[i][flip ? 1 : 0];
    }
}
