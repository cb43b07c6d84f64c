package dev.udadiffusion.controlnet.generate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.udadiffusion.controlnet.ControlNetHook;
import dev.udadiffusion.controlnet.ControlNetModel;
import dev.udadiffusion.controlnet.MaskPrompt;
import dev.udadiffusion.controlnet.SegmentationConditioning;
import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.core.io.AtomicFiles;
import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.data.io.CityscapesWriter;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.io.LabelMaps;
import dev.udadiffusion.data.io.Sample;
import dev.udadiffusion.data.labels.CityscapesClasses;
import dev.udadiffusion.data.rcs.DatasetStats;
import dev.udadiffusion.data.rcs.RareClassSampler;
import dev.udadiffusion.diffusion.pipeline.GenerationRequest;
import dev.udadiffusion.diffusion.pipeline.StableDiffusionPipeline;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The thesis's labeled-data generator (§3.4–3.5): for each sample, a source mask is drawn (Rare Class Sampling, or in
 * order), the prompt is the classes it shows, and the pipeline — whose U-Net may be the *target* U-Net while the
 * ControlNet was trained next to the source one (U-Net swap) — generates an image aligned with it; Small Components
 * Refinement optionally regenerates the small components. Image and mask are written in the Cityscapes layout with a
 * manifest line each, so an interrupted run resumes without duplicates or gaps. Every sample depends only on (seed,
 * index): its mask choice, its noise and its refinements.
 */
public final class LabeledDatasetGenerator {

    /**
     * @param count samples to produce (ids 0 … count−1)
     * @param width generation width (multiple of 8); masks are resized to it with nearest neighbour
     * @param rcsTemperature Rare Class Sampling temperature (thesis 0.01); 0 takes the masks in order, cycling
     * @param scr Small Components Refinement options, null for none
     * @param batch samples denoised together (per-sample noise keeps results independent of it)
     */
    public record Options(int count, int width, int height, int steps, double guidance, double controlScale, long seed,
            double rcsTemperature, long rcsMinPixels, SmallComponentsRefinement.Options scr, int batch, String split,
            String city, String prompt, boolean guessMode) {

        /** With class-name prompts (the thesis's rule, {@link MaskPrompt}) and no guess mode. */
        public Options(int count, int width, int height, int steps, double guidance, double controlScale, long seed,
                double rcsTemperature, long rcsMinPixels, SmallComponentsRefinement.Options scr, int batch, String split,
                String city) {
            this(count, width, height, steps, guidance, controlScale, seed, rcsTemperature, rcsMinPixels, scr, batch, split,
                    city, null, false);
        }

        /** One fixed prompt for every sample and refinement instead of the class names (null: class names). */
        public Options withPrompt(String p) {
            return new Options(count, width, height, steps, guidance, controlScale, seed, rcsTemperature, rcsMinPixels, scr,
                    batch, split, city, p, guessMode);
        }

        /**
         * diffusers' {@code guess_mode}: residuals scaled by logspace(−1, 0) from the outer to the middle block and,
         * with guidance above 1, the ControlNet applied to the conditional half only — guidance then amplifies the
         * control itself. (On the toy zoo it follows the masks worse than plain control: README, "The main job".)
         */
        public Options withGuessMode(boolean g) {
            return new Options(count, width, height, steps, guidance, controlScale, seed, rcsTemperature, rcsMinPixels, scr,
                    batch, split, city, prompt, g);
        }

        String promptFor(int[][] labels) {
            return prompt != null ? prompt : MaskPrompt.of(labels);
        }

        public Options {
            if (count < 1 || batch < 1 || steps < 1) {
                throw new IllegalArgumentException("count, batch and steps must be positive");
            }
            if (width % 8 != 0 || height % 8 != 0 || width <= 0 || height <= 0) {
                throw new IllegalArgumentException("generation size must be positive multiples of 8, got " + width + "x" + height);
            }
        }

        /** The thesis's generation settings (DDIM 20 steps, guidance 7.5, RCS T 0.01, SCR 3000 px / 20) at 512×512. */
        public static Options thesis(int count) {
            return new Options(count, 512, 512, 20, 7.5, 1.0, 0, 0.01, 3000, SmallComponentsRefinement.Options.THESIS, 1,
                    "train", "generated");
        }
    }

    /** Progress per written sample. */
    @FunctionalInterface
    public interface Listener {
        void onSample(int done, int total, String id, String prompt);
    }

    /** What a run did: samples written now and before, how often each class was drawn by RCS, SCR counts. */
    public record Report(int written, int resumed, long[] timesSampled, long refinements, Path manifest) {
    }

    private LabeledDatasetGenerator() {
    }

    /**
     * Generates {@code o.count()} samples into {@code out} ({@code leftImg8bit/SPLIT/CITY}, {@code gtFine/…},
     * {@code manifest.jsonl}, {@code generation.json} with options and model ids, {@code samples_grid.png}).
     *
     * @param models names/hashes of the models, recorded in every manifest line (e.g. unet, controlnet)
     */
    public static Report run(StableDiffusionPipeline pipe, ControlNetModel controlNet, Datasets.Listing masks, Path out,
            Options o, Map<String, String> models, Listener listener) {
        return run(pipe, controlNet, masks, out, o, models, listener, null);
    }

    /** As above; SCR keeps a refinement only when {@code acceptor} (null: always) agrees. */
    public static Report run(StableDiffusionPipeline pipe, ControlNetModel controlNet, Datasets.Listing masks, Path out,
            Options o, Map<String, String> models, Listener listener, SmallComponentsRefinement.Acceptor acceptor) {
        controlNet.config().requireCompatible(pipe.unet().config(), models.getOrDefault("unet", "of the pipeline"));
        requireSameSettings(out, o, models);
        CityscapesWriter writer = new CityscapesWriter(out, o.split(), o.city());
        RareClassSampler rcs = o.rcsTemperature() > 0
                ? new RareClassSampler(DatasetStats.of(masks, out.resolve(".source-mask-stats")), o.rcsTemperature(), o.rcsMinPixels(), 0.5) : null;
        long[] times = new long[CityscapesClasses.COUNT];
        writeSummary(out, o, models, times, 0, 0, 0); // the settings first, so a resumed run can check them
        int resumed = 0;
        int written = 0;
        long refinements = 0;
        List<Job> pending = new ArrayList<>();
        List<Job> gridRows = new ArrayList<>();
        for (int i = 0; i < o.count(); i++) {
            Job j = plan(i, masks, rcs, o);
            if (j.rcsClass() >= 0) {
                times[j.rcsClass()]++;
            }
            if (writer.isDone(j.id())) {
                resumed++;
                continue;
            }
            pending.add(j);
            if (pending.size() == o.batch() || i == o.count() - 1) {
                List<BufferedImage> imgs = generate(pipe, controlNet, pending, o);
                List<Refinements> regenerated = o.scr() == null ? null : regenerateCrops(pipe, controlNet, pending, o);
                for (int b = 0; b < pending.size(); b++) {
                    Job p = pending.get(b);
                    BufferedImage img = imgs.get(b);
                    int refined = 0;
                    int rejected = 0;
                    if (o.scr() != null) {
                        Refinements mine = regenerated.get(b);
                        SmallComponentsRefinement.Result r = SmallComponentsRefinement.apply(img, p.mask(), o.scr(), mine.crops(),
                                mine.images(), acceptor);
                        img = r.image();
                        refined = (int) r.refined();
                        rejected = r.crops().size() - refined;
                        refinements += refined;
                    }
                    Map<String, String> meta = new LinkedHashMap<>();
                    meta.put("mask", p.file());
                    meta.put("rcs_class", p.rcsClass() < 0 ? "" : CityscapesClasses.name(p.rcsClass()));
                    meta.put("seed", Long.toString(p.seed()));
                    meta.put("prompt", p.prompt());
                    meta.put("scr_refined", Integer.toString(refined));
                    meta.put("scr_rejected", Integer.toString(rejected));
                    meta.putAll(models);
                    writer.write(p.id(), img, p.mask(), meta);
                    written++;
                    if (gridRows.size() < 6) {
                        gridRows.add(new Job(p.index(), p.id(), p.file(), p.rcsClass(), p.mask(), p.prompt(), p.seed(), img));
                    }
                    if (listener != null) {
                        listener.onSample(resumed + written, o.count(), p.id(), p.prompt());
                    }
                }
                pending.clear();
            }
        }
        writeSummary(out, o, models, times, resumed, written, refinements);
        if (!gridRows.isEmpty()) {
            SampleGrid.write(out.resolve("samples_grid.png"), gridRows.stream().map(Job::mask).toList(),
                    gridRows.stream().map(Job::image).toList());
        }
        return new Report(written, resumed, times, refinements, out.resolve("manifest.jsonl"));
    }

    /** One sample to make: its mask (resized), prompt and seed; the image once generated. */
    record Job(int index, String id, String file, int rcsClass, int[][] mask, String prompt, long seed, BufferedImage image) {
        Job(int index, String id, String file, int rcsClass, int[][] mask, String prompt, long seed) {
            this(index, id, file, rcsClass, mask, prompt, seed, null);
        }
    }

    /** The mask and seed of sample {@code i}: a pure function of (seed, i), so resumed runs agree with fresh ones. */
    static Job plan(int i, Datasets.Listing masks, RareClassSampler rcs, Options o) {
        Rng rng = Rng.forStep(o.seed(), i);
        int index;
        int cls = -1;
        if (rcs != null) {
            RareClassSampler.Pick pick = rcs.sample(rng);
            index = pick.index();
            cls = pick.trainId();
        } else {
            index = i % masks.samples().size();
        }
        Sample s = masks.samples().get(index);
        int[][] labels = LabelMaps.readTrainIds(s, masks.mapping(), true);
        if (labels.length != o.height() || labels[0].length != o.width()) {
            labels = LabelMaps.resizeNearest(labels, o.width(), o.height());
        }
        long seed = o.seed() * 1_000_003L + i * 7919L;
        return new Job(i, CityscapesWriter.id(i), s.image().getFileName().toString().replace(".png", "") + ":" + s.id(),
                cls, labels, o.promptFor(labels), seed);
    }

    /** One image's planned SCR crops and their regenerations, in plan order. */
    private record Refinements(List<SmallComponentsRefinement.Crop> crops, List<BufferedImage> images) {
    }

    /**
     * SCR's regenerations for every image of a batch, denoised {@code batch} crops at a time across images (one small
     * batch per image left the cores idle: 3.5 s per 128×64 sample). Crops depend only on the mask, and each keeps its
     * own seed (the sample's + 1 + component id), so the batching changes no pixel beyond float rounding.
     */
    private static List<Refinements> regenerateCrops(StableDiffusionPipeline pipe, ControlNetModel controlNet,
            List<Job> pending, Options o) {
        List<Job> jobs = new ArrayList<>();
        List<Refinements> per = new ArrayList<>();
        for (Job p : pending) {
            List<SmallComponentsRefinement.Crop> crops = SmallComponentsRefinement.plan(p.mask(), o.scr());
            for (SmallComponentsRefinement.Crop c : crops) {
                int[][] m = SmallComponentsRefinement.cropMask(p.mask(), c, o.width(), o.height());
                jobs.add(new Job(p.index(), p.id(), p.file(), p.rcsClass(), m, o.promptFor(m), p.seed() + 1 + c.component().id()));
            }
            per.add(new Refinements(crops, new ArrayList<>()));
        }
        List<BufferedImage> done = new ArrayList<>();
        for (int k = 0; k < jobs.size(); k += o.batch()) {
            done.addAll(generate(pipe, controlNet, jobs.subList(k, Math.min(jobs.size(), k + o.batch())), o));
        }
        int k = 0;
        for (Refinements r : per) {
            for (int i = 0; i < r.crops().size(); i++) {
                r.images().add(done.get(k++));
            }
        }
        return per;
    }

    /**
     * Images for {@code masks} (size, steps, guidance, control scale and prompt from {@code o}); image i starts from the
     * noise of {@code seeds[i]}, so the result does not depend on how masks are grouped into calls.
     */
    public static List<BufferedImage> generate(StableDiffusionPipeline pipe, ControlNetModel cn, List<int[][]> masks,
            long[] seeds, Options o) {
        if (seeds.length != masks.size()) {
            throw new IllegalArgumentException(masks.size() + " masks but " + seeds.length + " seeds (one seed per mask)");
        }
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < masks.size(); i++) {
            jobs.add(new Job(i, Integer.toString(i), "", -1, masks.get(i), o.promptFor(masks.get(i)), seeds[i]));
        }
        return generate(pipe, cn, jobs, o);
    }

    /** Denoises a batch; each sample's starting noise comes from its own seed. */
    static List<BufferedImage> generate(StableDiffusionPipeline pipe, ControlNetModel cn, List<Job> jobs, Options o) {
        long c = pipe.unet().config().inChannels();
        int f = pipe.vae().config().downscale();
        List<INDArray> noise = new ArrayList<>();
        List<INDArray> cond = new ArrayList<>();
        List<String> prompts = new ArrayList<>();
        for (Job j : jobs) {
            noise.add(new Rng(j.seed()).gaussian(1, c, o.height() / f, o.width() / f));
            cond.add(SegmentationConditioning.oneHot(j.mask()));
            prompts.add(j.prompt());
        }
        GenerationRequest req = new GenerationRequest(prompts, null, o.height(), o.width(), o.steps(), o.guidance(), 0,
                Nd4j.concat(0, noise.toArray(new INDArray[0])), 0, null, null);
        ControlNetHook hook = new ControlNetHook(List.of(ControlNetHook.Control.of(cn,
                Nd4j.concat(0, cond.toArray(new INDArray[0])), o.controlScale())), o.guessMode());
        StableDiffusionPipeline.Result r = pipe.generate(req, hook, st -> { });
        List<BufferedImage> out = new ArrayList<>();
        for (int b = 0; b < jobs.size(); b++) {
            out.add(Images.fromUnitTensor(r.images().slice(b)));
        }
        return out;
    }

    private static void writeSummary(Path out, Options o, Map<String, String> models, long[] times, int resumed,
            int written, long refinements) {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.set("options", settings(o).put("count", o.count()));
        ObjectNode m = n.putObject("models");
        models.forEach(m::put);
        ObjectNode t = n.putObject("rcs_times_sampled");
        for (int c = 0; c < times.length; c++) {
            t.put(CityscapesClasses.name(c), times[c]);
        }
        n.put("written_this_run", written).put("resumed", resumed).put("scr_refinements_this_run", refinements);
        AtomicFiles.writeString(out.resolve("generation.json"), n.toPrettyString());
    }

    /** Everything a sample depends on (count and batch do not change a sample). */
    private static ObjectNode settings(Options o) {
        ObjectNode opt = new ObjectMapper().createObjectNode();
        opt.put("width", o.width()).put("height", o.height()).put("steps", o.steps())
                .put("guidance", o.guidance()).put("control_scale", o.controlScale()).put("guess_mode", o.guessMode())
                .put("seed", o.seed())
                .put("rcs_temperature", o.rcsTemperature()).put("rcs_min_pixels", o.rcsMinPixels())
                .put("scr_area_at_512", o.scr() == null ? 0 : o.scr().areaAt512())
                .put("scr_max", o.scr() == null ? 0 : o.scr().maxRefinements())
                .put("prompt", o.prompt() == null ? "class names present in the mask" : o.prompt());
        return opt;
    }

    /**
     * A folder is resumed only with the settings and models that made it: otherwise its samples would mix two
     * generators. Models compare by their SHA-256 entries when there are any (paths may move), else by every entry.
     */
    private static void requireSameSettings(Path out, Options o, Map<String, String> models) {
        Path f = out.resolve("generation.json");
        if (!Files.isRegularFile(f)) {
            return;
        }
        JsonNode before;
        try {
            before = json(Files.readString(f), f);
        } catch (IOException e) {
            throw new UncheckedIOException(f + ": unreadable (" + e.getMessage() + "); remove it or use another output folder", e);
        }
        List<String> diffs = new ArrayList<>();
        JsonNode now = json(settings(o).toString(), f); // as written and read back: a long may come back as an int
        now.fields().forEachRemaining(e -> {
            JsonNode was = before.path("options").get(e.getKey());
            if (was != null && !was.equals(e.getValue())) {
                diffs.add(e.getKey() + " " + was + " (now " + e.getValue() + ")");
            }
        });
        boolean hashes = models.keySet().stream().anyMatch(k -> k.endsWith("sha256"));
        models.forEach((k, v) -> {
            JsonNode was = before.path("models").get(k);
            if ((!hashes || k.endsWith("sha256")) && was != null && !was.asText().equals(v)) {
                diffs.add(k + " " + was.asText() + " (now " + v + ")");
            }
        });
        if (!diffs.isEmpty()) {
            throw new IllegalStateException(f + ": this folder was generated with other settings — " + String.join(", ", diffs)
                    + "; resume with the same settings, or use another output folder");
        }
    }

    private static JsonNode json(String text, Path file) {
        try {
            return new ObjectMapper().readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": not valid JSON (" + e.getMessage() + "); remove it or use another output folder", e);
        }
    }

    /** The per-class "times sampled" table of a report, for logs. */
    public static String timesSampledTable(long[] times) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-14s %8s%n", "class", "sampled"));
        for (int c = 0; c < times.length; c++) {
            b.append(String.format(Locale.ROOT, "%-14s %8d%n", CityscapesClasses.name(c), times[c]));
        }
        return b.toString();
    }
}
