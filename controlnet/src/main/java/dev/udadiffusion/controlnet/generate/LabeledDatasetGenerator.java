package dev.udadiffusion.controlnet.generate;

import dev.udadiffusion.controlnet.ControlNetHook;
import dev.udadiffusion.controlnet.ControlNetModel;
import dev.udadiffusion.controlnet.SegmentationConditioning;
import dev.udadiffusion.core.image.Images;
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
        RareClassSampler rcs = o.rcs().temperature() > 0 ? new RareClassSampler(DatasetStats.of(masks,
                out.resolve(".source-mask-stats")), o.rcs().temperature(), o.rcs().minPixels(), 0.5) : null;
        Writing w = new Writing(new CityscapesWriter(out, o.split(), o.city()), models, listener, o.count());
        boolean recorded = false;
        List<Job> pending = new ArrayList<>();
        for (int i = 0; i < o.count(); i++) {
            Job j = plan(i, masks, rcs, o);
            if (j.rcsClass() >= 0) {
                w.times[j.rcsClass()]++;
            }
            if (w.writer.isDone(j.id())) {
                w.resumed++;
                continue;
            }
            pending.add(j);
            if (pending.size() == o.batch() || i == o.count() - 1) {
                List<BufferedImage> imgs = generate(pipe, controlNet, pending, o);
                List<Refinements> regenerated = o.scr() == null ? null : regenerateCrops(pipe, controlNet, pending, o);
                if (!recorded) {
                    // the settings before the first sample, so a resumed run can check them; not earlier, so settings
                    // that fail before any sample exists (a size the U-Net cannot take) do not block the corrected rerun
                    GenerationRecord.write(out, o, models, w.times, 0, 0, 0);
                    recorded = true;
                }
                for (int b = 0; b < pending.size(); b++) {
                    SmallComponentsRefinement.Result r = o.scr() == null ? null : SmallComponentsRefinement.apply(imgs.get(b),
                            pending.get(b).mask(), o.scr(), regenerated.get(b).crops(), regenerated.get(b).images(), acceptor);
                    w.write(pending.get(b), r == null ? imgs.get(b) : r.image(), r);
                }
                pending.clear();
            }
        }
        GenerationRecord.write(out, o, models, w.times, w.resumed, w.written, w.refinements);
        if (!w.gridRows.isEmpty()) {
            SampleGrid.write(out.resolve("samples_grid.png"), w.gridRows.stream().map(Job::mask).toList(),
                    w.gridRows.stream().map(Job::image).toList());
        }
        return new Report(w.written, w.resumed, w.times, w.refinements, out.resolve("manifest.jsonl"));
    }

    /** A run's writer and counters: one manifest line per sample, the first six rows kept for the grid. */
    private static final class Writing {
        final CityscapesWriter writer;
        final Map<String, String> models;
        final Listener listener;
        final int total;
        final long[] times = new long[CityscapesClasses.COUNT];
        final List<Job> gridRows = new ArrayList<>();
        int resumed;
        int written;
        long refinements;

        Writing(CityscapesWriter writer, Map<String, String> models, Listener listener, int total) {
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
            if (gridRows.size() < 6) {
                gridRows.add(new Job(p.index(), p.id(), p.file(), p.rcsClass(), p.mask(), p.prompt(), p.seed(), img));
            }
            if (listener != null) {
                listener.onSample(resumed + written, total, p.id(), p.prompt());
            }
        }
    }

    /** One sample to make: its mask (resized), prompt and seed; the image once generated. */
    record Job(int index, String id, String file, int rcsClass, int[][] mask, String prompt, long seed, BufferedImage image) {
        Job(int index, String id, String file, int rcsClass, int[][] mask, String prompt, long seed) {
            this(index, id, file, rcsClass, mask, prompt, seed, null);
        }
    }

    /** The mask and seed of sample {@code i}: a pure function of (seed, i), so resumed runs agree with fresh ones. */
    static Job plan(int i, Datasets.Listing masks, RareClassSampler rcs, LabeledDatasetOptions o) {
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
        int[][] labels = masks.readTrainIds(s);
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
