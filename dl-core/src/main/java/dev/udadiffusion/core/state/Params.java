package dev.udadiffusion.core.state;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The parameters of a graph under construction. Blocks ask for a parameter by its checkpoint key, shape and layout;
 * {@code Params} creates the SameDiff variable of that name, filled from the bound {@link Checkpoint} when it has the
 * key (one copy, converted to the graph layout) or else from the block's initialiser with this object's seeded random
 * stream. After building, {@link #report()} says what was missing or left over.
 */
public final class Params {

    private final SameDiff sd;
    private final DataType type;
    private final Random rng;
    private final Checkpoint checkpoint;
    private boolean strict;
    private final Map<String, ParamSpec> specs = new LinkedHashMap<>();
    private final Params shareFrom;
    private final String namePrefix;

    private Params(SameDiff sd, DataType type, long seed, Checkpoint checkpoint, Params shareFrom, String namePrefix) {
        this.sd = sd;
        this.type = type;
        this.rng = new Random(seed);
        this.checkpoint = checkpoint;
        this.shareFrom = shareFrom;
        this.namePrefix = namePrefix;
    }

    /**
     * Parameters of a second graph of the same model (e.g. built for another input size) that use the very arrays of
     * {@code source} — no copy, and training one graph updates the other. Every requested key must exist in
     * {@code source} with the same spec.
     */
    public static Params shared(SameDiff sd, Params source) {
        return shared(sd, source, "");
    }

    /**
     * As {@link #shared(SameDiff, Params)}, naming the variables {@code namePrefix + key} so that two models with
     * the same checkpoint keys (a U-Net and its ControlNet) can live in one graph. Checkpoint keys are unchanged.
     */
    public static Params shared(SameDiff sd, Params source, String namePrefix) {
        return new Params(sd, source.type, 0, null, source, namePrefix);
    }

    /** Fresh parameters from the blocks' initialisers (torch defaults), drawn from a stream seeded with {@code seed}. */
    public static Params init(SameDiff sd, DataType type, long seed) {
        return new Params(sd, type, seed, null, null, "");
    }

    /** Parameters loaded from {@code checkpoint}; any it lacks are initialised (and reported). */
    public static Params load(SameDiff sd, DataType type, Checkpoint checkpoint) {
        return new Params(sd, type, 0, checkpoint, null, "");
    }

    /**
     * Parameters that must all come from {@code checkpoint}: the first one it stores with another shape fails at once,
     * naming file, tensor and shapes, before anything of the config's size is initialised (a config that claims 4096
     * channels beside a small checkpoint fails at its first layer, not after gigabytes of initialisation); missing ones
     * get no initial values, and the caller's {@link LoadReport#requireClean} lists them all.
     */
    public static Params loadStrict(SameDiff sd, DataType type, Checkpoint checkpoint) {
        Params p = new Params(sd, type, 0, checkpoint, null, "");
        p.strict = true;
        return p;
    }

    public SameDiff sameDiff() {
        return sd;
    }

    public DataType dataType() {
        return type;
    }

    /**
     * The variable for checkpoint key {@code key}: created on first request, returned again (shared) on later requests
     * with the same shape and layout.
     */
    public SDVariable get(String key, long[] torchShape, Layout layout, Init init) {
        ParamSpec spec = new ParamSpec(key, torchShape, layout);
        ParamSpec prev = specs.get(key);
        if (prev != null) {
            if (!prev.equals(spec)) {
                throw new IllegalStateException("parameter " + key + " requested as " + spec + " but exists as " + prev);
            }
            return sd.getVariable(namePrefix + key);
        }
        INDArray value = null;
        if (shareFrom != null) {
            ParamSpec theirs = shareFrom.specs.get(key);
            if (!spec.equals(theirs)) {
                throw new IllegalStateException("shared parameter " + key + " requested as " + spec + " but the source has "
                        + theirs);
            }
            specs.put(key, spec);
            return sd.var(namePrefix + key, shareFrom.array(key));
        }
        if (checkpoint != null) {
            value = checkpoint.load(spec, type).orElse(null);
            if (value == null && strict) {
                if (checkpoint.has(key)) {
                    throw checkpoint.misfit(spec); // the config's sizes and the weights' disagree: stop before allocating
                }
                // missing: the load fails once the graph is built, listing every missing and unexpected key; until
                // then an uninitialised array (pages never touched, so no memory is used) stands in
                value = Nd4j.createUninitialized(type, layout.graphShape(torchShape));
            }
        }
        if (value == null) {
            value = layout.toGraph(init.create(torchShape, type, rng));
        }
        if (!Arrays.equals(value.shape(), layout.graphShape(torchShape))) {
            throw new IllegalStateException("initialiser for " + key + " gave shape " + Arrays.toString(value.shape()));
        }
        specs.put(key, spec);
        return sd.var(namePrefix + key, value);
    }

    /** The SameDiff variable name of a parameter ({@code namePrefix + key}). */
    public String varName(String key) {
        return namePrefix + key;
    }

    /** The graph-layout array of a parameter. */
    public INDArray array(String key) {
        if (!specs.containsKey(key)) {
            throw new IllegalArgumentException("no parameter " + key);
        }
        return sd.getArrForVarName(namePrefix + key);
    }

    /** All parameters requested so far, in creation order. */
    public Map<String, ParamSpec> specs() {
        return Collections.unmodifiableMap(specs);
    }

    /** Total number of parameter elements. */
    public long count() {
        return specs.values().stream().mapToLong(ParamSpec::numel).sum();
    }

    /** The bound checkpoint, if any. */
    public Optional<Checkpoint> checkpoint() {
        return Optional.ofNullable(checkpoint);
    }

    /** What the bound checkpoint provided, lacked and had in excess; an empty clean report without one. */
    public LoadReport report() {
        if (checkpoint == null) {
            return new LoadReport("(no checkpoint)", 0, List.of(), List.of(), List.of(),
                    List.of(), List.of());
        }
        return checkpoint.report(specs.values());
    }

    /**
     * Frees the off-heap memory of every parameter array now instead of at the next GC (M2.1 frees off-heap buffers only
     * when the Java object is collected). The graph is unusable afterwards.
     */
    public void release() {
        for (String key : specs.keySet()) {
            INDArray a = sd.getArrForVarName(namePrefix + key);
            if (a != null && a.closeable()) {
                a.close();
            }
        }
    }

    /** The current value of a parameter in checkpoint (torch) layout. */
    public INDArray torchValue(String key) {
        ParamSpec spec = specs.get(key);
        if (spec == null) {
            throw new IllegalArgumentException("no parameter " + key);
        }
        return spec.layout().toTorch(sd.getArrForVarName(namePrefix + key));
    }
}
