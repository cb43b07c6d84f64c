package dev.udadiffusion.diffusion.pipeline;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What to generate. Prompts give the batch size; {@code negativePrompts} null means "" for each. {@code latents}, when
 * given ([B, 4, H/f, W/f] for the VAE factor f, 8 in SD), replace the seeded initial noise (they are still multiplied by the scheduler's init σ).
 * {@code promptEmbeds}/{@code negativeEmbeds}, when given, replace the text encoder.
 */
public record GenerationRequest(List<String> prompts, List<String> negativePrompts, int height, int width, int steps,
        double guidanceScale, long seed, INDArray latents, int clipSkip, INDArray promptEmbeds, INDArray negativeEmbeds,
        Img2Img img2img) {

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

    /** Text-to-image. */
    public GenerationRequest(List<String> prompts, List<String> negativePrompts, int height, int width, int steps,
            double guidanceScale, long seed, INDArray latents, int clipSkip, INDArray promptEmbeds, INDArray negativeEmbeds) {
        this(prompts, negativePrompts, height, width, steps, guidanceScale, seed, latents, clipSkip, promptEmbeds,
                negativeEmbeds, null);
    }

    public GenerationRequest {
        if (height % 8 != 0 || width % 8 != 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("height and width must be positive multiples of 8, got " + width + "x" + height);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be at least 1");
        }
        if (guidanceScale < 0) {
            throw new IllegalArgumentException("guidance scale must not be negative");
        }
        if (prompts == null && promptEmbeds == null) {
            throw new IllegalArgumentException("give prompts or prompt embeddings");
        }
        prompts = prompts == null ? null : List.copyOf(prompts);
        negativePrompts = negativePrompts == null ? null : List.copyOf(negativePrompts);
    }

    /** SD1.5 defaults: 512×512, 50 steps, guidance 7.5. */
    public static GenerationRequest of(String prompt, long seed) {
        return new GenerationRequest(List.of(prompt), null, 512, 512, 50, 7.5, seed, null, 0, null, null);
    }

    public GenerationRequest withSize(int h, int w) {
        return new GenerationRequest(prompts, negativePrompts, h, w, steps, guidanceScale, seed, latents, clipSkip,
                promptEmbeds, negativeEmbeds);
    }

    public GenerationRequest withSteps(int n) {
        return new GenerationRequest(prompts, negativePrompts, height, width, n, guidanceScale, seed, latents, clipSkip,
                promptEmbeds, negativeEmbeds);
    }

    public GenerationRequest withGuidance(double g) {
        return new GenerationRequest(prompts, negativePrompts, height, width, steps, g, seed, latents, clipSkip,
                promptEmbeds, negativeEmbeds);
    }

    public GenerationRequest withNegativePrompts(List<String> n) {
        return new GenerationRequest(prompts, n, height, width, steps, guidanceScale, seed, latents, clipSkip,
                promptEmbeds, negativeEmbeds);
    }

    public GenerationRequest withLatents(INDArray l) {
        return new GenerationRequest(prompts, negativePrompts, height, width, steps, guidanceScale, seed, l, clipSkip,
                promptEmbeds, negativeEmbeds);
    }

    public GenerationRequest withEmbeddings(INDArray prompt, INDArray negative) {
        return new GenerationRequest(prompts, negativePrompts, height, width, steps, guidanceScale, seed, latents,
                clipSkip, prompt, negative);
    }

    public GenerationRequest withImg2Img(Img2Img i) {
        return new GenerationRequest(prompts, negativePrompts, height, width, steps, guidanceScale, seed, latents,
                clipSkip, promptEmbeds, negativeEmbeds, i);
    }

    public boolean classifierFree() {
        return guidanceScale > 1.0;
    }
}
