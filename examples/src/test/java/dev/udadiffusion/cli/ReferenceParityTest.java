package dev.udadiffusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.testing.TestData;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * {@code udadiff parity testdata/reference}: the whole fixture set through the command line. No output may FAIL, and
 * every fixture of a kind that has landed must be checked (not skipped). Extend {@link #CHECKED} as kinds land.
 */
class ReferenceParityTest {

    /** Fixtures whose model kind is implemented. */
    static final Set<String> CHECKED = Set.of("vae_tiny", "unet_tiny", "half_precision", "schedulers", "clip_text_tiny", "clip_tokenizer", "controlnet_tiny", "pipeline_tiny", "pipeline_img2img_tiny", "ldm_checkpoint_tiny", "unet_train_step", "controlnet_train_step", "segformer_tiny", "segformer_train_step", "vae_tiling_tiny", "unet_nonsquare_tiny");

    @Test
    void allReferenceFixtures() {
        var r = SafetensorsCommandTest.run("parity", TestData.root().resolve("reference").toString());
        assertEquals(0, r.code(), r.out() + r.err());
        Set<String> passed = new TreeSet<>();
        Set<String> skipped = new TreeSet<>();
        for (String line : r.out().split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 1 && f[0].equals("PASS")) {
                passed.add(f[1]);
            } else if (f.length > 1 && f[0].equals("SKIP")) {
                skipped.add(f[1]);
            }
            assertTrue(!line.startsWith("FAIL"), line);
        }
        assertTrue(passed.containsAll(CHECKED), "checked: " + passed + "\n" + r.out());
        for (String s : skipped) {
            assertTrue(!CHECKED.contains(s), s + " was skipped");
        }
    }
}
