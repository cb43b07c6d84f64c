package dev.udadiffusion.controlnet.generate;

import dev.udadiffusion.controlnet.ControlNetHook;
import dev.udadiffusion.controlnet.ControlNetModel;
import dev.udadiffusion.controlnet.SegmentationConditioning;
import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.core.io.Fingerprints;
import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.data.io.CityscapesWriter;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.io.LabelMaps;
import dev.udadiffusion.data.io.Sample;
import dev.udadiffusion.data.io.SampleSink;
import dev.udadiffusion.data.labels.CityscapesClasses;
import dev.udadiffusion.data.rcs.ClassStats;
import dev.udadiffusion.data.rcs.DatasetStats;
import dev.udadiffusion.data.rcs.RareClassSampler;
import dev.udadiffusion.diffusion.pipeline.GenerationRequest;
import dev.udadiffusion.diffusion.pipeline.StableDiffusionPipeline;
import java.awt.image.BufferedImage;
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
            LabeledDatasetOptions o, Map<String, String> models, Listener listener) {
        return run(pipe, controlNet, masks, out, o, models, listener, null);
    }

    /** As above; SCR keeps a refinement only when {@code acceptor} (null: always) agrees. */
    public static Report run(StableDiffusionPipeline pipe, ControlNetModel controlNet, Datasets.Listing masks, Path out,
            LabeledDatasetOptions o, Map<String, String> models, Listener listener, SmallComponentsRefinement.Acceptor acceptor) {
        controlNet.config().requireCompatible(pipe.unet().config(), models.getOrDefault("unet", "of the pipeline"));
        GenerationRecord.requireSame(out, o, models);
        Plan plan = Plan.of(masks, o, o.rcs().temperature() > 0 ? DatasetStats.of(masks, out.resolve(".source-mask-stats")) : null);
        long[] times = plan.timesSampled(0, o.count());
        CityscapesWriter writer = new CityscapesWriter(out, o.split(), o.city());
        // the settings before the first sample, so a resumed run can check them; not earlier, so settings that fail
        // before any sample exists (a size the U-Net cannot take) do not block the corrected rerun
        Runnable record = () -> recordSettings(out, o, models, times);
        RangeReport r = generateRange(plan, pipe, controlNet, writer, 0, o.count(), models, listener, acceptor, record);
        finish(out, o, models, times, r.resumed(), r.written(), r.refinements());
        return new Report(r.written(), r.resumed(), times, r.refinements(), out.resolve("manifest.jsonl"));
    }

    /**
     * What a run writes once its samples are there: the final {@code generation.json} (options, models, RCS counts,
     * what this run wrote) and {@code samples_grid.png} from the set's first six samples as stored.
     */
    public static void finish(Path out, LabeledDatasetOptions o, Map<String, String> models, long[] timesSampled, int resumed,
            int written, long refinements) {
        GenerationRecord.write(out, o, models, timesSampled, resumed, written, refinements);
        CityscapesWriter files = new CityscapesWriter(out, o.split(), o.city(), out.resolve("manifest.jsonl"), List.of());
        List<int[][]> masks = new ArrayList<>();
        List<BufferedImage> images = new ArrayList<>();
        for (int i = 0; i < Math.min(6, o.count()); i++) {
            Path[] f = files.files(CityscapesWriter.id(i));
            if (!Files.isRegularFile(f[0]) || !Files.isRegularFile(f[1])) {
                break;
            }
            images.add(Images.read(f[0]));
            masks.add(LabelMaps.read(f[1]));
        }
        if (!images.isEmpty()) {
            SampleGrid.write(out.resolve("samples_grid.png"), masks, images);
        }
    }

    /**
     * The models entries of a manifest line: the base model, the U-Net generated with (the model's own when
     * {@code unet} is null) and the ControlNet, each by absolute path and the U-Net and ControlNet by SHA-256
     * ({@link Fingerprints}), so a resumed run can tell whether the weights changed even if they moved.
     */
    public static Map<String, String> modelRecord(Path model, Path unet, Path controlNet) {
        Path unetWeights = unet != null ? unet : Files.isDirectory(model.resolve("unet")) ? model.resolve("unet") : model;
        Map<String, String> models = new LinkedHashMap<>();
        models.put("model", model.toAbsolutePath().toString());
        models.put("unet", unetWeights.toAbsolutePath().toString());
        models.put("unet_sha256", Fingerprints.sha256(unetWeights));
        models.put("controlnet", controlNet.toAbsolutePath().toString());
        models.put("controlnet_sha256", Fingerprints.sha256(controlNet));
        return models;
    }

    /** Checks an output folder against the settings and models before anything is written (see {@link #run}). */
    public static void requireSameSettings(Path out, LabeledDatasetOptions o, Map<String, String> models) {
        GenerationRecord.requireSame(out, o, models);
    }

    /** Writes {@code generation.json} as a run does before its first sample. */
    public static void recordSettings(Path out, LabeledDatasetOptions o, Map<String, String> models, long[] timesSampled) {
        GenerationRecord.write(out, o, models, timesSampled, 0, 0, 0);
    }

    /** What {@link #generateRange} did. */
    public record RangeReport(int written, int resumed, long refinements) {
    }

    /**
     * Generates samples {@code from} … {@code to − 1} into {@code sink}, skipping those already done. Samples are
     * denoised in fixed groups of {@code o.batch()} (indices {@code g·batch} … {@code (g+1)·batch − 1}), so {@code from}
     * must start a group and {@code to} end one (or be the count). A group with a missing sample is generated whole and
     * only its missing samples are written: each sample's bytes then never depend on which others were already there,
     * nor on how a run was split into ranges (a Spark partition, a resumed run).
     *
     * @param beforeFirstSample called once before the first sample is generated (null: nothing)
     */
    public static RangeReport generateRange(Plan plan, StableDiffusionPipeline pipe, ControlNetModel controlNet,
            SampleSink sink, int from, int to, Map<String, String> models, Listener listener,
            SmallComponentsRefinement.Acceptor acceptor, Runnable beforeFirstSample) {
        LabeledDatasetOptions o = plan.options();
        int b = o.batch();
        if (from < 0 || to > o.count() || from > to || from % b != 0 || (to % b != 0 && to != o.count())) {
            throw new IllegalArgumentException("samples " + from + " to " + to + " of " + o.count()
                    + ": a range must cover whole groups of " + b + " (the batch)");
        }
        Writing w = new Writing(sink, models, listener, to - from);
        boolean started = false;
        for (int g = from; g < to; g += b) {
            int end = Math.min(g + b, o.count());
            List<Job> group = new ArrayList<>();
            List<Boolean> missing = new ArrayList<>();
            for (int i = g; i < end; i++) {
                String id = CityscapesWriter.id(i);
                boolean done = sink.isDone(id);
                missing.add(!done);
                if (done) {
                    w.resumed++;
                }
            }
            if (!missing.contains(true)) {
                continue;
            }
            for (int i = g; i < end; i++) {
                group.add(plan.job(i));
            }
            if (!started && beforeFirstSample != null) {
                beforeFirstSample.run();
            }
            started = true;
            List<BufferedImage> imgs = generate(pipe, controlNet, group, o);
            List<Refinements> regenerated = o.scr() == null ? null : regenerateCrops(pipe, controlNet, group, o);
            for (int k = 0; k < group.size(); k++) {
                if (!missing.get(k)) {
                    continue;
                }
                SmallComponentsRefinement.Result r = o.scr() == null ? null : SmallComponentsRefinement.apply(imgs.get(k),
                        group.get(k).mask(), o.scr(), regenerated.get(k).crops(), regenerated.get(k).images(), acceptor);
                w.write(group.get(k), r == null ? imgs.get(k) : r.image(), r);
            }
        }
        return new RangeReport(w.written, w.resumed, w.refinements);
    }

    /** One manifest line per sample, progress to the listener. */
    private static final class Writing {
        final SampleSink writer;
        final Map<String, String> models;
        final Listener listener;
        final int total;
        int resumed;
        int written;
        long refinements;

        Writing(SampleSink writer, Map<String, String> models, Listener listener, int total) {
            this.writer = writer;
            this.models = models;
            this.listener = listener;
            this.total = total;
        }

        void write(Job p, BufferedImage img, SmallComponentsRefinement.Result scr) {
            int refined = scr == null ? 0 : (int) scr.refined();
            refinements += refined;
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("mask", p.file());
            meta.put("rcs_class", p.rcsClass() < 0 ? "" : CityscapesClasses.name(p.rcsClass()));
            meta.put("seed", Long.toString(p.seed()));
            meta.put("prompt", p.prompt());
            meta.put("scr_refined", Integer.toString(refined));
            meta.put("scr_rejected", Integer.toString(scr == null ? 0 : scr.crops().size() - refined));
            meta.putAll(models);
            writer.write(p.id(), img, p.mask(), meta);
            written++;
            if (listener != null) {
                listener.onSample(resumed + written, total, p.id(), p.prompt());
            }
        }
    }

    /** One sample to make: its mask (resized), prompt and seed. */
    record Job(int index, String id, String file, int rcsClass, int[][] mask, String prompt, long seed) {
    }

    /**
     * Which mask, prompt and seed each sample gets: a pure function of (seed, index), so resumed runs, ranges and Spark
     * partitions agree with one fresh run. Build it once per run ({@link #of}); with RCS it needs the masks' class
     * statistics ({@link DatasetStats#of}), which a cluster job computes once and ships to its tasks.
     */
    public static final class Plan {
        private final Datasets.Listing masks;
        private final LabeledDatasetOptions options;
        private final RareClassSampler rcs;

        private Plan(Datasets.Listing masks, LabeledDatasetOptions options, RareClassSampler rcs) {
            this.masks = masks;
            this.options = options;
            this.rcs = rcs;
        }

        /** @param stats the masks' class statistics, in listing order (needed when RCS is on; else ignored) */
        public static Plan of(Datasets.Listing masks, LabeledDatasetOptions o, List<ClassStats> stats) {
            if (masks.samples().isEmpty()) {
                throw new IllegalArgumentException(masks.name() + ": no label maps to draw masks from");
            }
            RareClassSampler rcs = null;
            if (o.rcs().temperature() > 0) {
                if (stats == null || stats.size() != masks.samples().size()) {
                    throw new IllegalArgumentException("Rare Class Sampling needs the class statistics of all "
                            + masks.samples().size() + " masks, got " + (stats == null ? "none" : stats.size()));
                }
                rcs = new RareClassSampler(stats, o.rcs().temperature(), o.rcs().minPixels(), 0.5);
            }
            return new Plan(masks, o, rcs);
        }

        public LabeledDatasetOptions options() {
            return options;
        }

        /** The mask index and RCS class (−1 without RCS) of sample {@code i}. */
        int[] pick(int i) {
            if (rcs == null) {
                return new int[] {i % masks.samples().size(), -1};
            }
            RareClassSampler.Pick pick = rcs.sample(Rng.forStep(options.seed(), i));
            return new int[] {pick.index(), pick.trainId()};
        }

        /** How often RCS drew each class for samples {@code from} … {@code to − 1} (all zero without RCS). */
        public long[] timesSampled(int from, int to) {
            long[] t = new long[CityscapesClasses.COUNT];
            for (int i = from; i < to && rcs != null; i++) {
                t[pick(i)[1]]++;
            }
            return t;
        }

        /** Sample {@code i}: its mask (read and resized), prompt and seed. */
        Job job(int i) {
            LabeledDatasetOptions o = options;
            int[] pick = pick(i);
            Sample s = masks.samples().get(pick[0]);
            int[][] labels = masks.readTrainIds(s);
            if (labels.length != o.height() || labels[0].length != o.width()) {
                labels = LabelMaps.resizeNearest(labels, o.width(), o.height());
            }
            long seed = o.seed() * 1_000_003L + i * 7919L;
            return new Job(i, CityscapesWriter.id(i), s.image().getFileName().toString().replace(".png", "") + ":" + s.id(),
                    pick[1], labels, o.promptFor(labels), seed);
        }
    }

    /** One image's planned SCR crops and their regenerations, in plan order. */
    private record Refinements(List<SmallComponentsRefinement.Crop> crops, List<BufferedImage> images) {
    }

    /**
     * SCR's regenerations for every image of a batch, denoised {@code batch} crops at a time across images (one small
     * batch per image left the cores idle; {@code docs/RESULTS.md}). Crops depend only on the mask, and each keeps its
     * own seed (the sample's + 1 + component id), so the batching changes no pixel beyond float rounding.
     */
    private static List<Refinements> regenerateCrops(StableDiffusionPipeline pipe, ControlNetModel controlNet,
            List<Job> pending, LabeledDatasetOptions o) {
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
            long[] seeds, LabeledDatasetOptions o) {
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
    static List<BufferedImage> generate(StableDiffusionPipeline pipe, ControlNetModel cn, List<Job> jobs, LabeledDatasetOptions o) {
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
        GenerationRequest req = GenerationRequest.of(prompts, 0).withSize(o.height(), o.width()).withSteps(o.sampling().steps())
                .withGuidance(o.sampling().guidance()).withLatents(Nd4j.concat(0, noise.toArray(new INDArray[0])));
        ControlNetHook hook = new ControlNetHook(List.of(ControlNetHook.Control.of(cn,
                Nd4j.concat(0, cond.toArray(new INDArray[0])), o.sampling().controlScale())), o.sampling().guessMode());
        StableDiffusionPipeline.Result r = pipe.generate(req, hook, st -> { });
        List<BufferedImage> out = new ArrayList<>();
        for (int b = 0; b < jobs.size(); b++) {
            out.add(Images.fromUnitTensor(r.images().slice(b)));
        }
        return out;
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
