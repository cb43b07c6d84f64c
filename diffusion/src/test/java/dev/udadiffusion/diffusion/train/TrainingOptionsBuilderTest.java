package dev.udadiffusion.diffusion.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.train.TrainingSettings;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Changing one setting through a builder keeps every other one (the old positional {@code with(...)}/{@code withResume}
 * reset the EMA, the latent cache, prior preservation, the cache file and Min-SNR-γ).
 */
class TrainingOptionsBuilderTest {

    private static UNetFineTuning.Options everyFieldSet() {
        return UNetFineTuning.Options.builder(Path.of("data"), Path.of("out")).prompt("a street").resolution(64)
                .centerCrop(true).flip(false).emptyPromptProb(0.1).batch(3).cacheLatents(true)
                .latentCacheFile(Path.of("cache.safetensors")).prior(new UNetFineTuning.Prior(Path.of("class"), "a road", 0.5, 7, 9))
                .snrGamma(5).training(t -> t.steps(11).gradAccum(2).lr(3e-4).lrSchedule("constant_with_warmup").warmup(4)
                        .maxGradNorm(0.5).weightDecay(0.02).seed(13).checkpointEvery(6).keepCheckpoints(3).logEvery(2)
                        .resume(true).emaDecay(0.99))
                .build();
    }

    @Test
    void toBuilderKeepsEveryFieldAndEachSetterChangesOnlyItsOwn() {
        UNetFineTuning.Options o = everyFieldSet();
        assertEquals(o, o.toBuilder().build());
        assertEquals(o.training(), o.training().toBuilder().build());
        UNetFineTuning.Options steps = o.toBuilder().training(t -> t.steps(99)).build();
        assertEquals(99, steps.training().steps());
        assertEquals(o.toBuilder().training(o.training().toBuilder().steps(99).build()).build(), steps);
        // what the old with(steps, resolution, lr, batch) and withResume(...) dropped survives
        UNetFineTuning.Options resumed = o.toBuilder().resolution(32).batch(1).training(t -> t.resume(false).checkpointEvery(1))
                .build();
        assertEquals(0.99, resumed.training().emaDecay());
        assertTrue(resumed.cacheLatents());
        assertEquals(o.prior(), resumed.prior());
        assertEquals(o.latentCacheFile(), resumed.latentCacheFile());
        assertEquals(5.0, resumed.snrGamma());
        assertEquals(o.images().prompt(), resumed.images().prompt());
        assertEquals(new UNetFineTuning.Options.Images(Path.of("data"), "a street", 32, true, false, 0.1), resumed.images());
    }

    @Test
    void cachedLatentsImplyCentreCrops() {
        UNetFineTuning.Options o = UNetFineTuning.Options.builder(Path.of("d"), Path.of("o")).centerCrop(false)
                .cacheLatents(true).build();
        assertTrue(o.images().centerCrop());
    }

    @Test
    void sharedSettingsDefaults() {
        TrainingSettings t = TrainingSettings.builder(Path.of("o")).build();
        assertEquals(new TrainingSettings(1, 1, new TrainingSettings.Optimizer(1e-4, "constant", 0, 1.0, 1e-2), 0,
                Path.of("o"), new TrainingSettings.Checkpoints(0, 2, 50), false, 0), t);
    }
}
