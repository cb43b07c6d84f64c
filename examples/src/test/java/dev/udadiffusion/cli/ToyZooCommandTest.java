package dev.udadiffusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.core.io.Fingerprints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code toyzoo train --quick} runs every stage of the zoo (a few steps each), writes a diffusers folder that the
 * generator loads with the U-Net swap, records its provenance, and resumes without retraining.
 */
class ToyZooCommandTest {

    @Test
    void quickZooTrainsLoadsGeneratesAndResumes(@TempDir Path dir) throws Exception {
        Path zoo = dir.resolve("zoo");
        var r = SafetensorsCommandTest.run("toyzoo", "train", "--out", zoo.toString(), "--quick", "--seed", "3");
        assertEquals(0, r.code(), r.out() + r.err());
        for (String stage : List.of("== vae", "== prior", "== source", "== target", "== controlnet", "toy zoo complete")) {
            assertTrue(r.out().contains(stage), stage + " in\n" + r.out());
        }
        JsonNode z = new ObjectMapper().readTree(zoo.resolve("zoo.json").toFile());
        assertEquals(3, z.get("seed").asLong());
        assertTrue(z.get("command").asText().contains("--quick"));
        assertTrue(z.hasNonNull("commit"));
        for (String c : List.of("vae", "unet", "unet_source", "unet_target", "controlnet")) {
            Path w = zoo.resolve(c).resolve("diffusion_pytorch_model.safetensors");
            assertEquals(Fingerprints.sha256(w), z.get("sha256").get(c + "/diffusion_pytorch_model.safetensors").asText(), c);
            assertTrue(Files.isRegularFile(zoo.resolve("logs").resolve(
                    (c.equals("unet") ? "prior" : c.replace("unet_", "")) + "_loss.png")), c);
        }
        assertTrue(z.get("stages").get("controlnet").get("steps").asInt() == 3, z.toPrettyString());
        assertEquals(z.get("commit"), z.get("stages").get("controlnet").get("commit"), "each stage names its commit");
        assertEquals(z.get("command"), z.get("stages").get("vae").get("command"));
        assertTrue(Files.isRegularFile(zoo.resolve("logs/controlnet_rcs_times_sampled.json")));
        // the VAE's latent scale was measured, not left at 1
        double scale = new ObjectMapper().readTree(zoo.resolve("vae/config.json").toFile()).get("scaling_factor").asDouble();
        assertTrue(scale > 0 && scale != 1.0, "scaling_factor " + scale);

        // U-Net swap: the target U-Net with the ControlNet trained on the source one, fixed empty prompt
        Path gen = dir.resolve("gen");
        var g = SafetensorsCommandTest.run("generate-dataset", "--source-labels", zoo.resolve(".work/world/source").toString(),
                "--model", zoo.toString(), "--unet", zoo.resolve("unet_target").toString(), "--controlnet",
                zoo.resolve("controlnet").toString(), "--prompt", "", "--guidance", "1", "--count", "2", "--size", "64x32",
                "--steps", "2", "--rcs-min-pixels", "23", "--batch", "2", "--guess-mode", "--out", gen.toString());
        assertEquals(0, g.code(), g.out() + g.err());
        assertTrue(g.out().contains("wrote 2 samples"), g.out());
        assertTrue(Files.readString(gen.resolve("generation.json")).contains("\"prompt\" : \"\""));
        assertTrue(Files.readString(gen.resolve("generation.json")).contains("\"guess_mode\" : true"));

        // rerun: every stage is done, weights untouched
        String before = Fingerprints.sha256(zoo.resolve("controlnet/diffusion_pytorch_model.safetensors"));
        var again = SafetensorsCommandTest.run("toyzoo", "train", "--out", zoo.toString(), "--quick", "--seed", "3");
        assertEquals(0, again.code(), again.out() + again.err());
        assertTrue(!again.out().contains("== ") && again.out().contains("toy zoo complete"), again.out());
        assertEquals(before, Fingerprints.sha256(zoo.resolve("controlnet/diffusion_pytorch_model.safetensors")));
        JsonNode z2 = new ObjectMapper().readTree(zoo.resolve("zoo.json").toFile());
        assertEquals(z.get("stages"), z2.get("stages"), "stage records survive a resume");
        // a zoo.json from before per-stage provenance: its stages get the commit and command of the run that made them
        var legacy = (com.fasterxml.jackson.databind.node.ObjectNode) z2;
        legacy.put("commit", "0123abc").put("command", "udadiff toyzoo train --old");
        ((com.fasterxml.jackson.databind.node.ObjectNode) legacy.get("stages").get("vae")).remove(List.of("commit", "command"));
        Files.writeString(zoo.resolve("zoo.json"), legacy.toPrettyString());
        assertEquals(0, SafetensorsCommandTest.run("toyzoo", "train", "--out", zoo.toString(), "--quick", "--seed", "3").code());
        JsonNode z3 = new ObjectMapper().readTree(zoo.resolve("zoo.json").toFile());
        assertEquals("0123abc", z3.get("stages").get("vae").get("commit").asText());
        assertEquals("udadiff toyzoo train --old", z3.get("stages").get("vae").get("command").asText());
        assertEquals(z.get("stages").get("prior"), z3.get("stages").get("prior"));

        // the main job on this zoo: four rows, a table, a report that links only files that exist
        Path demo = dir.resolve("demo");
        var d = SafetensorsCommandTest.run("demo", "--zoo", zoo.toString(), "--out", demo.toString(), "--quick", "--jobs", "2");
        assertEquals(0, d.code(), d.out() + d.err());
        for (String row : List.of("source ", "source + photometric aug.", "generated ", "target (oracle)")) {
            assertTrue(d.out().contains("seed 0, " + row), row + " in\n" + d.out());
        }
        assertTrue(d.out().contains("SegFormer rows, seed 0 (2 at a time)") && d.out().contains("60/60"), d.out());
        assertTrue(d.out().contains("trained on") && d.out().contains("mIoU"), d.out());
        String md = Files.readString(demo.resolve("report.md"));
        String html = Files.readString(demo.resolve("report.html"));
        assertTrue(md.contains("| target (oracle) |") && md.contains("udadiff demo --zoo"), md);
        assertTrue(html.startsWith("<!DOCTYPE html>") && html.contains("<table>") && html.contains("</html>"), html);
        var srcs = java.util.regex.Pattern.compile("src=\"([^\"]+)\"").matcher(html);
        int images = 0;
        while (srcs.find()) {
            assertTrue(Files.isRegularFile(demo.resolve(srcs.group(1))), srcs.group(1));
            images++;
        }
        assertEquals(3, images, html);
        // as a browser shows it (headless Chromium): the table rendered, every image decoded; the same page copied
        // without its images shows the missing-image notes (so the check can fail)
        Path chromium = HeadlessBrowser.require();
        String dom = HeadlessBrowser.dumpDom(chromium, demo.resolve("report.html"), dir.resolve("browser-profile"));
        assertTrue(dom.contains("data-images=\"3 loaded, 0 missing\""), dom);
        assertTrue(dom.contains("<td>target (oracle)</td>") && !dom.contains("class=\"missing\""), dom);
        Path bare = Files.createDirectories(dir.resolve("bare"));
        Files.copy(demo.resolve("report.html"), bare.resolve("report.html"));
        String bareDom = HeadlessBrowser.dumpDom(chromium, bare.resolve("report.html"), dir.resolve("browser-profile-2"));
        assertTrue(bareDom.contains("data-images=\"0 loaded, 3 missing\"") && bareDom.contains("missing image: report_iou.png</p>"),
                bareDom);
        // resumable: nothing is generated or trained again
        var d2 = SafetensorsCommandTest.run("demo", "--zoo", zoo.toString(), "--out", demo.toString(), "--quick");
        assertEquals(0, d2.code(), d2.out() + d2.err());
        assertTrue(d2.out().contains("generated 0 samples (8 already there)") && !d2.out().contains("== train"), d2.out());
        // one row after another: each row's own progress; the same rows come out (in the table's order)
        Path seq = dir.resolve("demo-seq");
        var d3 = SafetensorsCommandTest.run("demo", "--zoo", zoo.toString(), "--out", seq.toString(), "--quick", "--jobs", "1");
        assertEquals(0, d3.code(), d3.out() + d3.err());
        assertTrue(!d3.out().contains("at a time") && d3.out().contains("eval target (oracle)"), d3.out());
        List<String> rows = List.of("source ", "source + photometric aug.", "generated ", "target (oracle)");
        int at = -1;
        for (String row : rows) {
            int i = d3.out().indexOf("seed 0, " + row);
            assertTrue(i > at, row + " out of order in\n" + d3.out());
            at = i;
        }
        var bad = SafetensorsCommandTest.run("demo", "--zoo", zoo.toString(), "--out", seq.toString(), "--jobs", "0");
        assertTrue(bad.code() != 0 && bad.err().contains("--jobs must be at least 1"), bad.err());
    }
}
