package dev.udadiffusion.core.train;

import dev.udadiffusion.core.nn.Graphs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One optimiser step over a {@link TrainingGraph}: forward and backward on each micro-batch (gradients averaged for
 * accumulation), optional global-norm clipping, AdamW at the scheduled learning rate. A NaN or infinite loss stops
 * training with the step number. Not thread-safe.
 */
public final class Trainer {

    /**
     * What a step did; {@code terms} holds each named micro-batch's loss when the trainer {@link #summing sums} its
     * micro-batches as separate loss terms (empty otherwise).
     */
    public record StepResult(long step, double loss, double gradNorm, double lr, Map<String, INDArray> outputs,
            Map<String, Double> terms) {
        public StepResult(long step, double loss, double gradNorm, double lr, Map<String, INDArray> outputs) {
            this(step, loss, gradNorm, lr, outputs, Map.of());
        }
    }

    /** {@code -Dudadiff.recycle=false} turns the array recycling off (for comparison). */
    private static boolean recycling() {
        return !"false".equals(System.getProperty("udadiff.recycle"));
    }

    private final TrainingGraph graph;
    private long recycledBytes;
    private final AdamW optimizer;
    private final LrSchedule schedule;
    private final double baseLr;
    private final double maxGradNorm;
    /** All gradients as one graph output ({@code -Dudadiff.flatGradients=false}: one output per parameter). */
    private FlatGradients flat;
    private boolean flatChecked;
    /** Names of the loss terms, one per micro-batch, whose gradients are summed (null: micro-batches are averaged). */
    private List<String> terms;

    /** @param maxGradNorm clip threshold, or ≤ 0 for none */
    public Trainer(TrainingGraph graph, AdamW optimizer, LrSchedule schedule, double baseLr, double maxGradNorm) {
        this.graph = graph;
        this.optimizer = optimizer;
        this.schedule = schedule;
        this.baseLr = baseLr;
        this.maxGradNorm = maxGradNorm;
    }

    /**
     * Makes each step take one micro-batch per named loss term and sum their losses and gradients (as DACS backpropagates
     * its source and mixed losses one after the other before one optimiser step) instead of averaging them.
     */
    public Trainer summing(List<String> termNames) {
        if (termNames.isEmpty()) {
            throw new IllegalArgumentException("summing needs at least one loss term");
        }
        this.terms = List.copyOf(termNames);
        return this;
    }

    /** The loss terms' names when {@link #summing}, else an empty list. */
    public List<String> terms() {
        return terms == null ? List.of() : terms;
    }

    /** Bytes of intermediates the last pass handed back to SameDiff's array cache for the next one to reuse. */
    public long recycledBytes() {
        return recycledBytes;
    }

    public AdamW optimizer() {
        return optimizer;
    }

    public TrainingGraph graph() {
        return graph;
    }

    /** Loss, requested outputs and gradients (by checkpoint key) for one batch, without updating. */
    public Map<String, INDArray> gradients(Map<String, INDArray> feeds, List<String> outputs, Map<String, INDArray> outValues) {
        List<String> outs = new ArrayList<>(outputs);
        if (!outs.contains(graph.loss())) {
            outs.add(graph.loss());
        }
        if (!flatChecked) {
            flat = "false".equals(System.getProperty("udadiff.flatGradients")) ? null : FlatGradients.attach(graph);
            flatChecked = true;
        }
        if (flat != null) {
            outs.add(FlatGradients.OUTPUT);
            OutAndGrad og = Graphs.quietly(() -> graph.sd().calculateGradientsAndOutputs(feeds, outs, null));
            Map<String, INDArray> o = new LinkedHashMap<>(og.getOutputs());
            INDArray all = o.remove(FlatGradients.OUTPUT);
            outValues.putAll(o);
            return flat.views(all);
        }
        OutAndGrad og = Graphs.quietly(() -> graph.sd().calculateGradientsAndOutputs(feeds, outs,
                new ArrayList<>(graph.trainable().values())));
        outValues.putAll(og.getOutputs());
        Map<String, INDArray> grads = new LinkedHashMap<>();
        graph.trainable().forEach((key, var) -> {
            INDArray g = og.getGradients().get(var);
            if (g != null) {
                grads.put(key, g);
            }
        });
        return grads;
    }

    /** One optimiser step over {@code microBatches} (gradient accumulation: their gradients are averaged). */
    public StepResult step(List<Map<String, INDArray>> microBatches, List<String> outputs) {
        return step(microBatches, outputs, null);
    }

    /**
     * As above; {@code perMicroBatch} sees each micro-batch's requested outputs right after its forward/backward pass
     * (e.g. to update BatchNorm running statistics once per forward, as torch does).
     */
    public StepResult step(List<Map<String, INDArray>> microBatches, List<String> outputs,
            Consumer<Map<String, INDArray>> perMicroBatch) {
        if (terms != null && microBatches.size() != terms.size()) {
            throw new IllegalArgumentException("expected one micro-batch per loss term " + terms + ", got " + microBatches.size());
        }
        Map<String, INDArray> acc = new LinkedHashMap<>();
        Map<String, INDArray> outs = new LinkedHashMap<>();
        Map<String, Double> termLosses = new LinkedHashMap<>();
        double loss = 0;
        for (Map<String, INDArray> feeds : microBatches) {
            Map<String, INDArray> o = new LinkedHashMap<>();
            Map<String, INDArray> g = gradients(feeds, outputs, o);
            double l = o.get(graph.loss()).getDouble(0);
            if (!Double.isFinite(l)) {
                throw new IllegalStateException("loss is " + l + " at step " + (optimizer.step() + 1)
                        + "; stopping (lower the learning rate or check the data)");
            }
            if (terms != null) {
                termLosses.put(terms.get(termLosses.size()), l);
                loss += l;
            } else {
                loss += l / microBatches.size();
            }
            if (perMicroBatch != null) {
                perMicroBatch.accept(o);
            }
            if (microBatches.size() == 1) {
                acc = g; // used by the update below, before the step's arrays are recycled
            } else {
                Gradients.accumulate(acc, g);
                recycle(feeds, acc, o);
            }
            outs = o;
        }
        if (microBatches.size() > 1 && terms == null) {
            acc.values().forEach(a -> a.divi(microBatches.size()));
        }
        double norm = maxGradNorm > 0 ? Gradients.clip(acc, maxGradNorm) : Gradients.globalNorm(acc.values());
        double lr = baseLr * schedule.factor(optimizer.step());
        optimizer.update(graph.parameterArrays(), acc, lr);
        if (microBatches.size() == 1) {
            recycle(microBatches.get(0), Map.of(), outs);
        }
        return new StepResult(optimizer.step(), loss, norm, lr, outs, termLosses);
    }

    /** Returns the finished pass's intermediates to SameDiff's cache, keeping feeds, results and accumulators. */
    private void recycle(Map<String, INDArray> feeds, Map<String, INDArray> acc, Map<String, INDArray> outs) {
        if (!recycling()) {
            return;
        }
        List<INDArray> keep = new ArrayList<>(feeds.values());
        keep.addAll(acc.values());
        keep.addAll(outs.values());
        recycledBytes = SessionArrays.recycle(graph.sd(), keep);
    }
}
