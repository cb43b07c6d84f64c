package dev.udadiffusion.diffusion.parity;

import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.parity.Fixture;
import dev.udadiffusion.core.parity.ParityChecker;
import dev.udadiffusion.diffusion.vae.AutoencoderKL;
import dev.udadiffusion.diffusion.vae.AutoencoderKLConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Parity for {@code diffusers.AutoencoderKL} fixtures. For every case prefix P (inputs {@code in.P.image},
 * {@code in.P.eps}, {@code in.P.z}; P may be empty) it produces {@code out.P.moments}, {@code latent_mean},
 * {@code latent_logvar}, {@code latent_std}, {@code latent_sample} (= mean + std·eps), {@code decoded} (= decode(z))
 * and {@code reconstruction} (= decode(mean)). A fixture whose {@code reference.enable_tiling} is true was made after
 * diffusers' {@code vae.enable_tiling()}, so tiling is switched on for it.
 */
public final class VaeParityChecker implements ParityChecker {

    @Override
    public String kind() {
        return "vae";
    }

    @Override
    public boolean accepts(Fixture f) {
        return f.referenceClass().filter("diffusers.AutoencoderKL"::equals).isPresent();
    }

    @Override
    public Map<String, INDArray> compute(Fixture f) {
        AutoencoderKLConfig cfg = Configs.read(f.config(), AutoencoderKLConfig.class, f.dir() + "/config.json");
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (AutoencoderKL vae = AutoencoderKL.load(cfg, f.weights("vae"))) {
            vae.setTiling(f.config().path("reference").path("enable_tiling").asBoolean(false));
            for (String in : f.io().names()) {
                if (!in.startsWith("in.") || !in.endsWith("image")) {
                    continue;
                }
                String p = in.substring(3, in.length() - "image".length()); // "case0." or ""
                AutoencoderKL.Posterior post = vae.encode(f.input(in));
                out.put("out." + p + "moments", post.moments());
                out.put("out." + p + "latent_mean", post.mean());
                out.put("out." + p + "latent_logvar", post.logvar());
                out.put("out." + p + "latent_std", post.std());
                if (f.io().contains("in." + p + "eps")) {
                    out.put("out." + p + "latent_sample", post.sample(f.input("in." + p + "eps")));
                }
                if (f.io().contains("in." + p + "z")) {
                    out.put("out." + p + "decoded", vae.decode(f.input("in." + p + "z")));
                }
                out.put("out." + p + "reconstruction", vae.decode(post.mean()));
            }
        }
        return out;
    }
}
