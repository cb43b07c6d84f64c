package dev.udadiffusion.experiments.toyzoo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.controlnet.ControlNetModel;
import dev.udadiffusion.controlnet.generate.LabeledDatasetGenerator;
import dev.udadiffusion.controlnet.generate.LabeledDatasetOptions;
import dev.udadiffusion.core.testing.TestData;
import dev.udadiffusion.data.style.ClassPalette;
import dev.udadiffusion.data.toyworld.ToyWorld;
import dev.udadiffusion.diffusion.pipeline.StableDiffusion;
import dev.udadiffusion.diffusion.schedulers.Schedulers;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The thesis's U-Net swap on the shipped toy zoo: the same source masks, noise and ControlNet, generated once with the
 * source U-Net and once with the target U-Net. The toy world's domains differ in their class palettes (the target's
 * colours are desaturated with per-class brightness) and in fine texture, which a ×4 VAE of this size blurs away, so the
 * style is measured as the mean colour of each class under the conditioning mask: the target U-Net's images must be
 * closer to the target palette, and farther from the source one, than the source U-Net's.
 */
class UNetSwapStyleTest {

    @Test
    void targetUNetMovesTheClassColoursTowardTheTargetDomain() throws Exception {
        Path zoo = TestData.toyZoo();
        JsonNode o = new ObjectMapper().readTree(zoo.resolve("zoo.json").toFile()).get("options");
        ToyWorld world = new ToyWorld(o.get("width").asInt(), o.get("height").asInt(), o.get("seed").asLong());
        int n = 16;
        List<int[][]> masks = new ArrayList<>();
        List<int[][]> targetMasks = new ArrayList<>();
        List<BufferedImage> source = new ArrayList<>();
        List<BufferedImage> target = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // held-out scenes: indices past the training set
            ToyWorld.Sample s = world.render(ToyWorld.Domain.SOURCE, "train", 100_000 + i);
            masks.add(s.trainIds());
            source.add(s.image());
            ToyWorld.Sample t = world.render(ToyWorld.Domain.TARGET, "val", 100_000 + i);
            targetMasks.add(t.trainIds());
            target.add(t.image());
        }
        ClassPalette src = ClassPalette.of(source, masks);
        ClassPalette tgt = ClassPalette.of(target, targetMasks);
        ClassPalette withSource = ClassPalette.of(generate(zoo, "unet_source", masks, world), masks);
        ClassPalette withTarget = ClassPalette.of(generate(zoo, "unet_target", masks, world), masks);
        String report = String.format("class-colour distance to the target palette: source images %.1f, generated with the "
                + "source U-Net %.1f, with the target U-Net %.1f; to the source palette: %.1f / %.1f", src.distanceTo(tgt),
                withSource.distanceTo(tgt), withTarget.distanceTo(tgt), withSource.distanceTo(src), withTarget.distanceTo(src));
        System.out.println(report);
        assertTrue(withTarget.distanceTo(tgt) < withSource.distanceTo(tgt), report);
        assertTrue(withTarget.distanceTo(src) > withSource.distanceTo(src), report);
    }

    private static List<BufferedImage> generate(Path zoo, String unet, List<int[][]> masks, ToyWorld world) {
        try (StableDiffusion sd = StableDiffusion.load(zoo, StableDiffusion.Options.defaults().withUnet(zoo.resolve(unet)));
                ControlNetModel cn = ControlNetModel.load(zoo.resolve("controlnet"))) {
            var o = LabeledDatasetOptions.builder(masks.size()).size(world.width(), world.height()).guidance(1.0)
                    .prompt(ToyZoo.PROMPT).rcs(0, 0).scr(null).batch(masks.size()).output("train", "swap").build();
            long[] seeds = new long[masks.size()];
            for (int i = 0; i < seeds.length; i++) {
                seeds[i] = i;
            }
            return LabeledDatasetGenerator.generate(sd.pipeline(Schedulers.resolve("ddim")), cn, masks, seeds, o);
        }
    }
}
