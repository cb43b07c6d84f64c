package dev.udadiffusion.core.state;

import dev.udadiffusion.core.safetensors.TensorInfo;
import dev.udadiffusion.core.safetensors.TensorSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One or more tensor sources seen through a key-mapping table: the graph keys they provide, and the bookkeeping of
 * which were used, so that a {@link LoadReport} can list what is missing, unexpected or mis-shaped. Owns the sources
 * it opened itself.
 */
public final class Checkpoint implements AutoCloseable {

    private record Entry(TensorSource source, String sourceKey, KeyMapping.Transform transform) {
    }

    private final String description;
    private final List<TensorSource> sources;
    private final boolean owned;
    private final Map<String, Entry> byKey = new LinkedHashMap<>();
    private final List<String> conflicts = new ArrayList<>();
    private final List<String> ignored = new ArrayList<>();
    private final Set<String> used = new LinkedHashSet<>();
    private final List<String> mismatched = new ArrayList<>();

    private Checkpoint(List<TensorSource> sources, KeyMapping mapping, boolean owned) {
        this.sources = List.copyOf(sources);
        this.owned = owned;
        this.description = sources.stream().map(s -> s.path().toString()).collect(Collectors.joining(", "));
        for (TensorSource s : sources) {
            for (String name : s.names()) {
                List<KeyMapping.Target> ts = mapping.mapAll(name);
                if (ts.isEmpty()) {
                    ignored.add(name);
                    continue;
                }
                for (KeyMapping.Target t : ts) {
                    Entry prev = byKey.putIfAbsent(t.key(), new Entry(s, name, t.transform()));
                    if (prev != null) {
                        conflicts.add(t.key() + " <- " + prev.sourceKey() + " and " + name);
                    }
                }
            }
        }
    }

    /** Opens safetensors files (or sharded indexes) under a mapping table. */
    public static Checkpoint open(KeyMapping mapping, Path... files) {
        List<TensorSource> opened = new ArrayList<>();
        try {
            for (Path f : files) {
                opened.add(TensorSource.open(f));
            }
        } catch (RuntimeException e) {
            opened.forEach(TensorSource::close);
            throw e;
        }
        return new Checkpoint(opened, mapping, true);
    }

    /**
     * Opens files and picks the key table from their keys ({@code mapping} sees the opened sources, e.g. to tell LDM
     * from diffusers naming); the checkpoint owns the sources.
     */
    public static Checkpoint open(Function<List<TensorSource>, KeyMapping> mapping, Path... files) {
        List<TensorSource> opened = new ArrayList<>();
        try {
            for (Path f : files) {
                opened.add(TensorSource.open(f));
            }
            return new Checkpoint(opened, mapping.apply(opened), true);
        } catch (RuntimeException e) {
            opened.forEach(TensorSource::close);
            throw e;
        }
    }

    /** Views already-open sources; closing the checkpoint leaves them open. */
    public static Checkpoint of(KeyMapping mapping, List<TensorSource> sources) {
        return new Checkpoint(sources, mapping, false);
    }

    public String description() {
        return description;
    }

    /** Graph keys this checkpoint provides. */
    public Set<String> keys() {
        return byKey.keySet();
    }

    public boolean has(String key) {
        return byKey.containsKey(key);
    }

    /**
     * Loads the tensor for {@code spec} in graph layout and {@code type}, or empty when the checkpoint lacks it or its
     * shape differs (recorded as a mismatch).
     */
    public Optional<INDArray> load(ParamSpec spec, DataType type) {
        Entry e = byKey.get(spec.key());
        if (e == null) {
            return Optional.empty();
        }
        used.add(spec.key());
        TensorInfo info = e.source().info(e.sourceKey());
        long[] stored = info.shape();
        long[] expectStored = spec.torchShape();
        if (e.transform() == KeyMapping.Transform.SQUEEZE_1X1) {
            expectStored = Arrays.copyOf(expectStored, expectStored.length + 2);
            expectStored[expectStored.length - 2] = 1;
            expectStored[expectStored.length - 1] = 1;
        }
        boolean half = e.transform() == KeyMapping.Transform.FIRST_HALF || e.transform() == KeyMapping.Transform.SECOND_HALF;
        if (half) {
            expectStored = expectStored.clone();
            expectStored[0] *= 2;
        }
        if (!Arrays.equals(stored, expectStored)) {
            mismatched.add(spec.key() + ": checkpoint " + Arrays.toString(stored) + " ("
                    + e.source().path().getFileName() + ":" + e.sourceKey() + "), model " + Arrays.toString(expectStored));
            return Optional.empty();
        }
        INDArray a = e.source().load(e.sourceKey(), type);
        if (e.transform() == KeyMapping.Transform.SQUEEZE_1X1) {
            a = a.reshape('c', spec.torchShape());
        }
        if (e.transform() == KeyMapping.Transform.REVERSE_INPUT_BLOCKS) {
            long o = stored[0];
            if (stored.length < 2 || stored[1] % o != 0) {
                mismatched.add(spec.key() + ": checkpoint " + Arrays.toString(stored) + " (" + e.source().path().getFileName()
                        + ":" + e.sourceKey() + ") input channels are not whole blocks of the output channels");
                return Optional.empty();
            }
            INDArray[] blocks = new INDArray[(int) (stored[1] / o)];
            for (int b = 0; b < blocks.length; b++) {
                INDArrayIndex[] idx = new INDArrayIndex[a.rank()];
                Arrays.fill(idx, NDArrayIndex.all());
                idx[1] = NDArrayIndex.interval(b * o, (b + 1) * o);
                blocks[blocks.length - 1 - b] = a.get(idx);
            }
            a = Nd4j.concat(1, blocks);
        }
        if (half) {
            long n = spec.torchShape()[0];
            long from = e.transform() == KeyMapping.Transform.FIRST_HALF ? 0 : n;
            INDArrayIndex[] idx = new INDArrayIndex[a.rank()];
            idx[0] = NDArrayIndex.interval(from, from + n);
            for (int d = 1; d < idx.length; d++) {
                idx[d] = NDArrayIndex.all();
            }
            a = a.get(idx).dup();
        }
        return Optional.of(spec.layout().toGraph(a));
    }

    /**
     * Why {@code spec} could not be loaded, as one line naming the file and tensor: missing, or stored with another
     * shape than the model's config implies.
     */
    public StateDictException misfit(ParamSpec spec) {
        Entry e = byKey.get(spec.key());
        String msg;
        if (e == null) {
            msg = description + ": no tensor '" + spec.key() + "' (the model's config needs one of shape "
                    + Arrays.toString(spec.torchShape()) + "; is this the right file for this model?)";
        } else {
            msg = e.source().path() + ": tensor '" + e.sourceKey() + "' has shape "
                    + Arrays.toString(e.source().info(e.sourceKey()).shape()) + " but the model's config needs "
                    + Arrays.toString(spec.torchShape()) + " (config and weights do not belong together)";
        }
        return new StateDictException(msg, null);
    }

    /** The report after binding the parameters {@code specs} (those the graph asked for). */
    public LoadReport report(Collection<ParamSpec> specs) {
        List<String> missing = new ArrayList<>();
        int loaded = 0;
        Set<String> bad = mismatched.stream().map(m -> m.substring(0, m.indexOf(':'))).collect(Collectors.toSet());
        for (ParamSpec p : specs) {
            if (!byKey.containsKey(p.key())) {
                missing.add(p.key());
            } else if (used.contains(p.key()) && !bad.contains(p.key())) {
                loaded++;
            }
        }
        Set<String> wanted = specs.stream().map(ParamSpec::key).collect(Collectors.toSet());
        List<String> unexpected = new ArrayList<>();
        for (Map.Entry<String, Entry> e : byKey.entrySet()) {
            if (!wanted.contains(e.getKey())) {
                String src = e.getValue().sourceKey();
                unexpected.add(src.equals(e.getKey()) ? src : src + " (as " + e.getKey() + ")");
            }
        }
        return new LoadReport(description, loaded, missing, unexpected, mismatched, conflicts, ignored);
    }

    @Override
    public void close() {
        if (owned) {
            sources.forEach(TensorSource::close);
        }
    }
}
