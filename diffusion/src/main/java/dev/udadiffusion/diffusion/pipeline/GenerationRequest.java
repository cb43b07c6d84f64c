package dev.udadiffusion.diffusion.pipeline;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What to generate: the text conditioning, the size, the sampler settings and the starting point. Build one with
 * {@link #of(String, long)} or {@link #of(List, long)} (SD1.5 defaults) and the {@code with*} copies, e.g.
 * {@code GenerationRequest.of(prompts, seed).withSize(256, 512).withSteps(20)}. {@code latents}, when given
 * ([B, 4, H/f, W/f] for the VAE factor f, 8 in SD), replace the seeded initial noise (they are still multiplied by the
 * scheduler's init σ).
 */
public record GenerationRequest(Text text, int height, int width, int steps, double guidanceScale, long seed,
        INDArray latents, Img2Img img2img) {

    /**
     * The text conditioning. Prompts give the batch size; {@code negativePrompts} null means "" for each.
     * {@code promptEmbeds}/{@code negativeEmbeds}, when given, replace the text encoder; {@code clipSkip} counts the
     * last CLIP layers skipped (diffusers' {@code clip_skip}, 0 for none).
     */
    public record Text(List<String> prompts, List<String> negativePrompts, INDArray promptEmbeds, INDArray negativeEmbeds,
            int clipSkip) {
        public Text {
            if (prompts == null && promptEmbeds == null) {
                throw new IllegalArgumentException("give prompts or prompt embeddings");
            }
            if (clipSkip < 0) {
                throw new IllegalArgumentException("clip skip must not be negative, got " + clipSkip);
            }
            prompts = prompts == null ? null : List.copyOf(prompts);
            negativePrompts = negativePrompts == null ? null : List.copyOf(negativePrompts);
        }

        public static Text of(List<String> prompts) {
            return new Text(prompts, null, null, null, 0);
        }
    }

    /**
     * Image-to-image: start from {@code image} ([B, 3, H, W] in [0, 1]) encoded by the VAE and noised to the timestep
     * that {@code strength} selects (diffusers' {@code get_timesteps}). {@code posteriorEps} and {@code noise}, when
     * given, replace the two random draws (posterior sample, then forward noise) that otherwise come from the seed.
     */
    public record Img2Img(INDArray image, double strength, INDArray posteriorEps, INDArray noise) {
        public Img2Img {
            if (strength <= 0 || strength > 1) {
                throw new IllegalArgumentException("strength must be in (0, 1], got " + strength);
            }
            if (image.rank() != 4 || image.size(1) != 3) {
                throw new IllegalArgumentException("init image must be [B, 3, H, W] in [0, 1]");
            }
        }

        public static Img2Img of(INDArray image, double strength) {
            return new Img2Img(image, strength, null, null);
        }
    }

    public GenerationRequest {
        if (text == null) {
            throw new IllegalArgumentException("give the text conditioning (prompts or prompt embeddings)");
        }
        if (height % 8 != 0 || width % 8 != 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("height and width must be positive multiples of 8, got " + width + "x" + height);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1");
        }
        if (guidanceScale < 0) {
            throw new IllegalArgumentException("guidance scale must not be negative");
        }
    }

    /** SD1.5 defaults: 512×512, 50 steps, guidance 7.5, seeded noise. */
    public static GenerationRequest of(String prompt, long seed) {
        return of(List.of(prompt), seed);
    }

    /** One image per prompt, SD1.5 defaults: 512×512, 50 steps, guidance 7.5, seeded noise. */
    public static GenerationRequest of(List<String> prompts, long seed) {
        return new GenerationRequest(Text.of(prompts), 512, 512, 50, 7.5, seed, null, null);
    }

    public List<String> prompts() {
        return text.prompts();
    }

    public List<String> negativePrompts() {
        return text.negativePrompts();
    }

    public INDArray promptEmbeds() {
        return text.promptEmbeds();
    }

    public INDArray negativeEmbeds() {
        return text.negativeEmbeds();
    }

    public int clipSkip() {
        return text.clipSkip();
    }

    public GenerationRequest withText(Text t) {
        return new GenerationRequest(t, height, width, steps, guidanceScale, seed, latents, img2img);
    }

    public GenerationRequest withSize(int h, int w) {
        return new GenerationRequest(text, h, w, steps, guidanceScale, seed, latents, img2img);
    }

    public GenerationRequest withSteps(int n) {
        return new GenerationRequest(text, height, width, n, guidanceScale, seed, latents, img2img);
    }

    public GenerationRequest withGuidance(double g) {
        return new GenerationRequest(text, height, width, steps, g, seed, latents, img2img);
    }

    public GenerationRequest withSeed(long s) {
        return new GenerationRequest(text, height, width, steps, guidanceScale, s, latents, img2img);
    }

    public GenerationRequest withNegativePrompts(List<String> n) {
        return withText(new Text(text.prompts(), n, text.promptEmbeds(), text.negativeEmbeds(), text.clipSkip()));
    }

    public GenerationRequest withClipSkip(int layers) {
        return withText(new Text(text.prompts(), text.negativePrompts(), text.promptEmbeds(), text.negativeEmbeds(), layers));
    }

    /** Prompt embeddings instead of the text encoder ({@code negative} null: the encoder's embedding of ""). */
    public GenerationRequest withEmbeddings(INDArray prompt, INDArray negative) {
        return withText(new Text(text.prompts(), text.negativePrompts(), prompt, negative, text.clipSkip()));
    }

    public GenerationRequest withLatents(INDArray l) {
        return new GenerationRequest(text, height, width, steps, guidanceScale, seed, l, img2img);
    }

    public GenerationRequest withImg2Img(Img2Img i) {
        return new GenerationRequest(text, height, width, steps, guidanceScale, seed, latents, i);
    }

    public boolean classifierFree() {
        return guidanceScale > 1.0;
    }
}
