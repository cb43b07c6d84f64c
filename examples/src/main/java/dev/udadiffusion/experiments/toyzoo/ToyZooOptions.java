package dev.udadiffusion.experiments.toyzoo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.udadiffusion.data.toyworld.ToyWorld;

/**
 * The toy zoo's recipe: the world it trains on and each stage's settings. The U-Nets train on whole images (native
 * size, VAE latents cached once per image and flip); the VAE and the ControlNet on random square crops.
 *
 * @param seed seed of the world and of every model
 * @param unets settings the three U-Net stages share
 */
public record ToyZooOptions(long seed, World world, VaeStage vae, Stage prior, Stage source, Stage target,
        ControlNetStage controlnet, UNetSettings unets) {

    /** Steps, batch, learning rate and warm-up of one training stage. */
    public record Stage(long steps, int batch, double lr, long warmup) {
        public Stage {
            if (steps < 1 || batch < 1 || !(lr > 0) || warmup < 0) {
                throw new IllegalArgumentException("a stage needs positive steps, batch and lr");
            }
        }
    }

    /** The toy world's image size and sample counts. */
    public record World(int width, int height, ToyWorld.Counts counts) {
    }

    /** VAE training: square crops of {@code crop} (the VAE is convolutional: small crops suffice) and the KL weight. */
    public record VaeStage(Stage stage, int crop, double klWeight) {
    }

    /**
     * ControlNet training on square crops (image and mask cropped together) with Rare Class Sampling.
     *
     * @param rcsMinPixels DAFormer's 3000 px at 512², scaled to the toy world's image area
     */
    public record ControlNetStage(Stage stage, int crop, double rcsTemperature, long rcsMinPixels) {
    }

    /**
     * @param ema EMA decay of the U-Net stages' weights (diffusers' EMAModel with its warm-up; the average is the stage's
     *     result; 0 = off)
     * @param snrGamma Min-SNR-γ loss weighting (diffusers' --snr_gamma; 0 = plain mse)
     */
    public record UNetSettings(double ema, double snrGamma) {
        public UNetSettings {
            if (ema < 0 || ema >= 1) {
                throw new IllegalArgumentException("unetEma must be in [0, 1): " + ema);
            }
            if (snrGamma < 0) {
                throw new IllegalArgumentException("snrGamma must be ≥ 0 (0: off): " + snrGamma);
            }
        }
    }

    /**
     * The zoo for the demo: step counts in the PyTorch prototype's proportions, cut to what 2 cores train in about 40
     * minutes. The prior's 1400 steps and Min-SNR-γ 5 were chosen by measurement (docs/RESULTS.md).
     */
    public static ToyZooOptions standard(long seed) {
        return new ToyZooOptions(seed, new World(128, 64, ToyWorld.Counts.DEFAULT),
                new VaeStage(new Stage(400, 16, 1e-3, 50), 32, 1e-4), new Stage(1400, 32, 5e-4, 50),
                new Stage(150, 32, 1e-4, 0), new Stage(150, 32, 1e-4, 0),
                new ControlNetStage(new Stage(500, 32, 2e-4, 50), 64, 0.01, 94), new UNetSettings(0.995, 5.0));
    }

    /** A few steps of everything on a small world: checks the whole chain in about half a minute (tests, --quick). */
    public static ToyZooOptions quick(long seed) {
        return new ToyZooOptions(seed, new World(64, 32, new ToyWorld.Counts(24, 24, 8)),
                new VaeStage(new Stage(3, 4, 1e-3, 0), 32, 1e-4), new Stage(3, 4, 5e-4, 0), new Stage(2, 4, 1e-4, 0),
                new Stage(2, 4, 1e-4, 0), new ControlNetStage(new Stage(3, 4, 2e-4, 0), 32, 0.01, 23),
                new UNetSettings(0.9, 0));
    }

    /** The same recipe with Min-SNR-γ weighting of the U-Net stages (0 = off). */
    public ToyZooOptions withSnrGamma(double gamma) {
        return new ToyZooOptions(seed, world, vae, prior, source, target, controlnet, new UNetSettings(unets.ema(), gamma));
    }

    /** The recipe as {@code zoo.json} records it (one flat object; the file format of every zoo made so far). */
    public ObjectNode toJson() {
        ObjectMapper om = new ObjectMapper();
        ObjectNode n = om.createObjectNode();
        n.put("seed", seed).put("width", world.width()).put("height", world.height());
        n.set("counts", om.valueToTree(world.counts()));
        n.put("vaeCrop", vae.crop()).put("controlNetCrop", controlnet.crop());
        n.set("vae", om.valueToTree(vae.stage()));
        n.put("klWeight", vae.klWeight());
        n.set("prior", om.valueToTree(prior));
        n.set("source", om.valueToTree(source));
        n.set("target", om.valueToTree(target));
        n.set("controlnet", om.valueToTree(controlnet.stage()));
        n.put("rcsTemperature", controlnet.rcsTemperature()).put("rcsMinPixels", controlnet.rcsMinPixels());
        n.put("unetEma", unets.ema()).put("snrGamma", unets.snrGamma());
        return n;
    }

    /** Reads {@link #toJson()}'s form; a field missing from an older zoo.json is an error naming it. */
    public static ToyZooOptions fromJson(JsonNode n) {
        ObjectMapper om = new ObjectMapper();
        try {
            return new ToyZooOptions(required(n, "seed").asLong(), new World(required(n, "width").asInt(),
                    required(n, "height").asInt(), om.treeToValue(required(n, "counts"), ToyWorld.Counts.class)),
                    new VaeStage(stage(om, n, "vae"), required(n, "vaeCrop").asInt(), required(n, "klWeight").asDouble()),
                    stage(om, n, "prior"), stage(om, n, "source"), stage(om, n, "target"),
                    new ControlNetStage(stage(om, n, "controlnet"), required(n, "controlNetCrop").asInt(),
                            required(n, "rcsTemperature").asDouble(), required(n, "rcsMinPixels").asLong()),
                    new UNetSettings(required(n, "unetEma").asDouble(), n.path("snrGamma").asDouble(0)));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("zoo.json options: " + e.getOriginalMessage(), e);
        }
    }

    private static Stage stage(ObjectMapper om, JsonNode n, String name) throws JsonProcessingException {
        return om.treeToValue(required(n, name), Stage.class);
    }

    private static JsonNode required(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("zoo.json options: no \"" + field + "\"");
        }
        return v;
    }
}
