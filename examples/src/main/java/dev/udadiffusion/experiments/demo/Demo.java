package dev.udadiffusion.experiments.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.controlnet.ControlNetModel;
import dev.udadiffusion.controlnet.generate.LabeledDatasetGenerator;
import dev.udadiffusion.controlnet.generate.LabeledDatasetOptions;
import dev.udadiffusion.controlnet.generate.SmallComponentsRefinement;
import dev.udadiffusion.core.io.Fingerprints;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.toyworld.ToyWorld;
import dev.udadiffusion.diffusion.pipeline.StableDiffusion;
import dev.udadiffusion.diffusion.schedulers.Schedulers;
import dev.udadiffusion.experiments.ExperimentLog;
import dev.udadiffusion.experiments.toyzoo.ToyZooOptions;
import dev.udadiffusion.segformer.eval.ConfusionMatrix;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The thesis's closed loop on the toy world with the toy zoo: generate a labeled target-style dataset from source masks
 * (U-Net swap, RCS, SCR), train the same small SegFormer on source / source + photometric augmentation / generated /
 * target (oracle) data, evaluate each on target val, and write report.md and report.html. Every stage resumes:
 * rerunning skips finished generations and trainings.
 */
public final class Demo {

    /** The report (the numbers: per row, one confusion matrix per seed), the files it wrote, and this run's time. */
    public record Result(DemoReport report, Path markdown, Path html, double minutes) {
    }

    private Demo() {
    }

    /** Runs the loop; {@code command} (the command line that asked for it) is recorded in the report. */
    public static Result run(DemoOptions o, String command, ExperimentLog log) {
        long started = System.nanoTime();
        JsonNode zooJson = readJson(requireZooJson(o));
        World world = world(o, zooJson, log);
        ToyWorld.Written w = world.written();
        Datasets.Listing val = world.val();

        String variant = o.ablations().variant();
        String genName = "generated" + (variant.isEmpty() ? "" : " (" + variant.strip() + ")");
        Map<String, List<ConfusionMatrix>> results = new LinkedHashMap<>();
        List<LabeledDatasetGenerator.Report> genReports = new ArrayList<>();
        Path firstGenerated = null;
        for (int s = 0; s < o.seeds(); s++) {
            Path seedDir = o.out().resolve("seed-" + s);
            Path gen = seedDir.resolve("generated" + variant.replace(' ', '-').toLowerCase(Locale.ROOT));
            genReports.add(generate(o, world, Generator.of(o.ablations()), gen, s, log));
            firstGenerated = firstGenerated == null ? gen : firstGenerated;
            List<DemoRows.Row> rows = rows(o.rows(), w, gen, genName);
            List<ConfusionMatrix> cms = DemoRows.train(rows, seedDir, o.budget().segformerSteps(), s, val, o.jobs(), log);
            for (int i = 0; i < rows.size(); i++) {
                results.computeIfAbsent(rows.get(i).name(), k -> new ArrayList<>()).add(cms.get(i));
            }
        }
        double minutes = (System.nanoTime() - started) / 60e9;
        DemoReport report = new DemoReport(results);
        report.write(o.out(), new DemoReport.Context(o.zoo(), zooJson, genReports, firstGenerated, command,
                o.budget().count(), o.budget().segformerSteps(), minutes));
        return new Result(report, o.out().resolve("report.md"), o.out().resolve("report.html"), minutes);
    }

    /** The zoo's own world as a run writes it, and its target val split (what every row is evaluated on). */
    public record World(ToyWorld world, ToyWorld.Written written, Datasets.Listing val) {
    }

    /**
     * What a generated set is made from: the zoo's U-Net and ControlNet (folder names in the zoo), whose masks (the
     * world's source, or its target train split), and whether Rare Class Sampling and Small Components Refinement are on.
     */
    public record Generator(String unet, String controlnet, boolean targetMasks, boolean rcs, boolean scr) {
        /** The thesis's cross-domain generator with the demo's ablations: source masks, U-Net swap unless turned off. */
        public static Generator of(DemoOptions.Ablations a) {
            return new Generator(a.swap() ? "unet_target" : "unet_source", "controlnet", false, a.rcs(), a.scr());
        }
    }

    /**
     * Writes (or finds) the zoo's own world in {@code OUT/world}: same seed, size and counts, so the target U-Net's
     * domain is the evaluated one.
     */
    public static World world(DemoOptions o, ExperimentLog log) {
        return world(o, readJson(requireZooJson(o)), log);
    }

    private static Path requireZooJson(DemoOptions o) {
        Path zooJsonFile = o.zoo().resolve("zoo.json");
        if (!Files.isRegularFile(zooJsonFile)) {
            throw new IllegalArgumentException("--zoo " + o.zoo() + ": no zoo.json; run from the repository root (the zoo "
                    + "ships in models/toy-zoo) or make one with `udadiff toyzoo train --out DIR`");
        }
        return zooJsonFile;
    }

    private static World world(DemoOptions o, JsonNode zooJson, ExperimentLog log) {
        ToyZooOptions recipe = ToyZooOptions.fromJson(zooJson.path("options"));
        ToyWorld world = new ToyWorld(recipe.world().width(), recipe.world().height(), recipe.seed());
        ExperimentLog.Bar wbar = log.bar("toy world", 1);
        ToyWorld.Written w = world.write(o.out().resolve("world"), recipe.world().counts(), (d, t) -> { });
        wbar.finish();
        log.line(String.format("toy world %dx%d (seed %d): %s", world.width(), world.height(), recipe.seed(), w.root()));
        return new World(world, w, Datasets.cityscapes(w.target(), "val", Datasets.Policy.ERROR));
    }

    /** The rows of {@code set}, in table order. */
    static List<DemoRows.Row> rows(DemoOptions.RowSet set, ToyWorld.Written w, Path gen, String genName) {
        DemoRows.Row source = new DemoRows.Row("source", w.source(), Datasets.Layout.GTA5, false);
        DemoRows.Row generated = new DemoRows.Row(genName, gen, Datasets.Layout.CITYSCAPES, false);
        DemoRows.Row sourceSt = new DemoRows.Row("source" + DemoRows.SELF_TRAINING, w.source(), Datasets.Layout.GTA5, false, w.target());
        DemoRows.Row generatedSt = new DemoRows.Row(genName + DemoRows.SELF_TRAINING, gen, Datasets.Layout.CITYSCAPES, false, w.target());
        List<DemoRows.Row> demo = List.of(source, new DemoRows.Row("source + photometric aug.", w.source(), Datasets.Layout.GTA5, true),
                generated, new DemoRows.Row("target (oracle)", w.target(), Datasets.Layout.CITYSCAPES, false));
        return switch (set) {
            case DEMO -> demo;
            case DEMO_SELF_TRAINING -> {
                List<DemoRows.Row> all = new ArrayList<>(demo);
                all.add(sourceSt);
                all.add(generatedSt);
                yield all;
            }
            case TABLE_4_5 -> List.of(source, generated, sourceSt, generatedSt);
            case GENERATED_ONLY -> List.of(generated);
        };
    }

    /**
     * Generates {@code o.budget().count()} labeled samples into {@code gen} with generator {@code g} (resumes), seeded
     * with {@code seed}; DDIM with the budget's steps, no CFG, the run's ControlNet scale.
     */
    public static LabeledDatasetGenerator.Report generate(DemoOptions o, World world, Generator g, Path gen, int seed,
            ExperimentLog log) {
        Path zoo = o.zoo();
        Path unet = zoo.resolve(g.unet());
        Path controlnet = zoo.resolve(g.controlnet());
        if (!Files.isDirectory(controlnet)) {
            throw new IllegalArgumentException("--zoo " + zoo + ": no " + g.controlnet() + "/ (zoos made before it existed "
                    + "lack it; `udadiff toyzoo train --out " + zoo + "` trains the missing stages)");
        }
        int width = world.world().width();
        int height = world.world().height();
        int n = o.budget().count();
        // DAFormer's 3000 px and the thesis's SCR threshold are for 512²; both scale with the image area alike.
        // Batch 32 is the fastest per sample here; per-sample noise makes results independent of it.
        long minPixels = SmallComponentsRefinement.Options.THESIS.threshold(width, height);
        SmallComponentsRefinement.Options scr = g.scr()
                ? new SmallComponentsRefinement.Options(3000, o.budget().scrMaxRefinements(), 3.0, 2) : null;
        LabeledDatasetOptions opts = LabeledDatasetOptions.builder(n).seed(seed).sampling(new LabeledDatasetOptions.Sampling(
                width, height, o.budget().denoisingSteps(), 1.0, o.controlScale(), "", false))
                .rcs(g.rcs() ? 0.01 : 0, minPixels).scr(scr).batch(32).build();
        Datasets.Listing masks = g.targetMasks()
                ? Datasets.cityscapes(world.written().target(), "train", Datasets.Policy.ERROR)
                : Datasets.gta5(world.written().source(), Datasets.Policy.ERROR, false);
        try (StableDiffusion sd = StableDiffusion.load(zoo, StableDiffusion.Options.defaults().withUnet(unet));
                ControlNetModel cn = ControlNetModel.load(controlnet)) {
            Map<String, String> models = new LinkedHashMap<>();
            models.put("model", zoo.toAbsolutePath().toString());
            models.put("unet", unet.toAbsolutePath().toString());
            models.put("unet_sha256", Fingerprints.sha256(unet));
            models.put("controlnet", controlnet.toAbsolutePath().toString());
            models.put("controlnet_sha256", Fingerprints.sha256(controlnet));
            ExperimentLog.Bar bar = log.bar("generate (seed " + seed + ")", n);
            LabeledDatasetGenerator.Report r = LabeledDatasetGenerator.run(sd.pipeline(Schedulers.resolve("ddim")), cn, masks,
                    gen, opts, models, (done, total, id, prompt) -> bar.update(done, id), null);
            bar.finish();
            log.line(String.format("generated %d samples (%d already there) in %s; SCR refinements %d", r.written(),
                    r.resumed(), gen, r.refinements()));
            return r;
        }
    }

    private static JsonNode readJson(Path file) {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": " + e.getMessage(), e);
        }
    }
}
