package dev.udadiffusion.core.nn;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * A model's graphs, built on first use per key (an input size, a mode) and all sharing the model's parameter arrays.
 * SameDiff graphs have static shapes here, so attention can split its queries into chunks that bound the score tensor;
 * the chunk size is part of every graph, so changing it drops them.
 *
 * @param <K> what a graph depends on (a record of the input size and mode)
 * @param <G> the built graph
 */
public final class GraphCache<K, G> {

    private final Map<K, G> graphs = new HashMap<>();
    private final Function<K, G> build;
    private int queryChunk = Attention.DEFAULT_QUERY_CHUNK;

    /** {@code build} makes the graph for a key; it reads {@link #queryChunk()} when it builds attention. */
    public GraphCache(Function<K, G> build) {
        this.build = build;
    }

    /** The graph for {@code key}, built now if it is the first use. */
    public synchronized G get(K key) {
        G g = graphs.get(key);
        if (g == null) {
            g = build.apply(key);
            graphs.put(key, g);
        }
        return g;
    }

    /** Adds a graph built elsewhere (the one a model builds when it is created, on its root parameters). */
    public synchronized void put(K key, G graph) {
        graphs.put(key, graph);
    }

    /** Tokens per attention query chunk in graphs built from now on. */
    public synchronized int queryChunk() {
        return queryChunk;
    }

    /**
     * Attention processes queries in chunks of this many tokens (bounding the score tensor to B·heads·chunk·keys
     * floats). Applies to graphs built after the call; existing ones are dropped.
     */
    public synchronized void setQueryChunk(int tokens) {
        if (tokens < 1) {
            throw new IllegalArgumentException("attention query chunk must be at least 1 token, got " + tokens);
        }
        queryChunk = tokens;
        graphs.clear();
    }

    /** How many graphs are built. */
    public synchronized int size() {
        return graphs.size();
    }

    /** Drops every graph (their arrays other than the shared parameters become garbage). */
    public synchronized void clear() {
        graphs.clear();
    }
}
