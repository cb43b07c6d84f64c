package dev.udadiffusion.core.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.udadiffusion.core.io.AtomicFiles;
import dev.udadiffusion.core.random.Rng;
import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.safetensors.SafetensorsWriter;
import dev.udadiffusion.core.state.ParamSpec;
import dev.udadiffusion.core.state.Params;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training loop around a {@link Trainer}: draws micro-batches from a {@link BatchSource} with a per-step generator,
 * steps the optimiser, reports progress, writes {@code loss.csv}, and checkpoints atomically every N steps
 * ({@code checkpoint-STEP/}: the model's weights under checkpoint names, the optimiser state, {@code state.json}),
 * keeping the last K. {@link #run} resumes from the newest checkpoint in the output folder when asked to; a resumed run
 * computes exactly what an uninterrupted one would. Optimiser steps run with the native threads the caller gives
 * ({@link NativeThreads#forTraining()} unless set).
 */
public final class TrainingLoop {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingLoop.class);

    /** Supplies the feeds of one micro-batch for (step, micro-batch index), drawing randomness from {@code rng}. */
    @FunctionalInterface
    public interface BatchSource {
        Map<String, INDArray> batch(long step, int micro, Rng rng);
    }

    /** Progress after each step. */
    @FunctionalInterface
    public interface Listener {
        void onStep(long step, long total, Trainer.StepResult r, double secondsPerStep);
    }

    /**
     * State a run keeps outside the trained graph (e.g. a mean teacher), saved into every checkpoint folder and restored
     * from it on resume.
     */
    public interface CheckpointState {
        void save(Path checkpointDir);

        void restore(Path checkpointDir);
    }

    /** One loss value per step, and the EMA (null without one). */
    public record History(List<Double> losses, long firstStep, Ema ema) {
    }

    private TrainingLoop() {
    }

    /**
     * Runs {@code o.steps()} optimiser steps with {@code threads} native threads each (0: {@link NativeThreads#forTraining()}),
     * resuming, checkpointing and logging as {@code o} says; {@code listener} (may be null) hears of every step.
     */
    public static History run(Trainer trainer, BatchSource data, TrainingSettings o, int threads, Listener listener) {
        return run(trainer, data, o, threads, listener, List.of(), null);
    }

    /**
     * As above, also computing {@code outputs} on every micro-batch and handing them to {@code perMicroBatch} (state
     * outside the optimiser, such as BatchNorm running statistics; it is part of the checkpoint when it lives in
     * the graph's parameters).
     */
    public static History run(Trainer trainer, BatchSource data, TrainingSettings o, int threads, Listener listener,
            List<String> outputs,
            Consumer<Map<String, INDArray>> perMicroBatch) {
        return run(trainer, data, o, threads, listener, outputs, perMicroBatch, null);
    }

    /**
     * As above, with {@code extra} state (may be null) written into each checkpoint and restored on resume. A
     * {@link Trainer#summing summing} trainer draws one micro-batch per loss term ({@code o.gradAccum()} is not used).
     */
    public static History run(Trainer trainer, BatchSource data, TrainingSettings o, int threads, Listener listener,
            List<String> outputs, Consumer<Map<String, INDArray>> perMicroBatch, CheckpointState extra) {
        TrainingGraph g = trainer.graph();
        long start = resumeStep(trainer, o);
        if (extra != null && start > 0) {
            extra.restore(latestCheckpoint(o.outDir()));
        }
        int microBatches = trainer.terms().isEmpty() ? o.gradAccum() : trainer.terms().size();
        long firstStep = start;
        Ema ema = o.emaDecay() > 0 ? new Ema(g.parameterArrays(), o.emaDecay(), start) : null; // warm-up continues on resume
        if (ema != null && start > 0) {
            restoreEma(ema, latestCheckpoint(o.outDir()));
        }
        LossLog csv = LossLog.open(o.outDir().resolve("loss.csv"), start);
        int nativeThreads = threads > 0 ? threads : NativeThreads.forTraining();
        List<Double> losses = new ArrayList<>();
        long t0 = System.nanoTime();
        for (long step = start; step < o.steps(); step++) {
            Rng rng = Rng.forStep(o.seed(), step);
            List<Map<String, INDArray>> micro = new ArrayList<>();
            for (int m = 0; m < microBatches; m++) {
                micro.add(data.batch(step, m, rng));
            }
            Trainer.StepResult r;
            try (NativeThreads limit = NativeThreads.limit(nativeThreads)) { // the step only: batch sources may run inference
                r = trainer.step(micro, outputs, perMicroBatch);
            }
            if (ema != null) {
                ema.update(g.parameterArrays());
            }
            losses.add(r.loss());
            csv.append(r);
            report(o, listener, r, (System.nanoTime() - t0) / 1e9 / (step - firstStep + 1));
            if (o.checkpoints().every() > 0 && (r.step() % o.checkpoints().every() == 0 || r.step() == o.steps())) {
                Path cp = save(o.outDir(), r.step(), g.params(), trainer.optimizer(), dir -> {
                    if (ema != null) {
                        SafetensorsWriter.write(dir.resolve("ema.safetensors"), ema.weights(), Map.of("format", "udadiff-ema"));
                    }
                    if (extra != null) {
                        extra.save(dir);
                    }
                });
                prune(o.outDir(), o.checkpoints().keep());
            }
        }
        return new History(losses, firstStep, ema);
    }

    /** The step to start from: the newest checkpoint's when resuming (weights and optimiser restored), else 0. */
    private static long resumeStep(Trainer trainer, TrainingSettings o) {
        if (o.resume()) {
            Path latest = latestCheckpoint(o.outDir());
            if (latest != null) {
                long start = restore(latest, trainer.graph().params(), trainer.optimizer());
                LOG.info("resumed from {} at step {}", latest, start);
                return start;
            }
            LOG.warn("--resume: no checkpoint in {}; starting from step 0", o.outDir());
        }
        return 0;
    }

    private static void restoreEma(Ema ema, Path checkpoint) {
        try (SafetensorsFile e = SafetensorsFile.open(checkpoint.resolve("ema.safetensors"))) {
            for (String k : e.names()) {
                ema.weights().get(k).assign(e.load(k));
            }
        }
    }

    private static void report(TrainingSettings o, Listener listener, Trainer.StepResult r, double secondsPerStep) {
        if (listener != null) {
            listener.onStep(r.step(), o.steps(), r, secondsPerStep);
        }
        if (o.checkpoints().logEvery() > 0 && r.step() % o.checkpoints().logEvery() == 0) {
            LOG.info(String.format("iter %d: loss %.4f, lr %.3g, grad norm %.3f, %.0fms/it", r.step(), r.loss(), r.lr(),
                    r.gradNorm(), secondsPerStep * 1000));
        }
    }

    /** Writes checkpoint-STEP atomically (a temporary folder renamed into place). */
    public static Path save(Path outDir, long step, Params params, AdamW opt) {
        return save(outDir, step, params, opt, dir -> { });
    }

    /** As above, {@code more} adding files to the folder before it is renamed into place. */
    public static Path save(Path outDir, long step, Params params, AdamW opt, Consumer<Path> more) {
        Path target = outDir.resolve(String.format("checkpoint-%08d", step));
        Path tmp = outDir.resolve(".tmp-" + target.getFileName());
        try {
            AtomicFiles.deleteTree(tmp);
            Files.createDirectories(tmp);
            Map<String, INDArray> weights = new LinkedHashMap<>();
            for (ParamSpec s : params.specs().values()) {
                weights.put(s.key(), params.torchValue(s.key()));
            }
            SafetensorsWriter.write(tmp.resolve("model.safetensors"), weights, Map.of("format", "pt"));
            SafetensorsWriter.write(tmp.resolve("optimizer.safetensors"), opt.state(), Map.of("format", "udadiff-adamw"));
            ObjectNode st = new ObjectMapper().createObjectNode().put("step", step);
            more.accept(tmp);
            Files.writeString(tmp.resolve("state.json"), st.toPrettyString());
            AtomicFiles.deleteTree(target);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(target + ": cannot write checkpoint: " + e.getMessage(), e);
        }
    }

    /** Loads weights and optimiser state; returns the step to continue from. */
    public static long restore(Path checkpoint, Params params, AdamW opt) {
        try (SafetensorsFile w = SafetensorsFile.open(checkpoint.resolve("model.safetensors"));
                SafetensorsFile s = SafetensorsFile.open(checkpoint.resolve("optimizer.safetensors"))) {
            for (ParamSpec spec : params.specs().values()) {
                params.array(spec.key()).assign(spec.layout().toGraph(w.load(spec.key(), params.dataType())));
            }
            Map<String, INDArray> state = new LinkedHashMap<>();
            for (String n : s.names()) {
                state.put(n, s.load(n));
            }
            opt.load(state);
            return new ObjectMapper().readTree(checkpoint.resolve("state.json").toFile()).get("step").asLong();
        } catch (IOException e) {
            throw new UncheckedIOException(checkpoint + ": unreadable checkpoint: " + e.getMessage(), e);
        }
    }

    /** The newest complete checkpoint-* folder, or null. */
    public static Path latestCheckpoint(Path outDir) {
        if (!Files.isDirectory(outDir)) {
            return null;
        }
        try (Stream<Path> s = Files.list(outDir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("checkpoint-"))
                    .filter(p -> Files.isRegularFile(p.resolve("state.json")))
                    .max(Comparator.comparing(p -> p.getFileName().toString())).orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void prune(Path outDir, int keep) {
        if (keep <= 0) {
            return;
        }
        try (Stream<Path> s = Files.list(outDir)) {
            List<Path> cps = s.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).sorted().toList();
            for (int i = 0; i < cps.size() - keep; i++) {
                AtomicFiles.deleteTree(cps.get(i));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
