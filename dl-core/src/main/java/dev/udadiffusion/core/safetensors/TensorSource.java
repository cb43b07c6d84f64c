package dev.udadiffusion.core.safetensors;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Named tensors stored on disk, loaded lazily one by one: a single safetensors file or a sharded checkpoint.
 * Implementations are not thread-safe for concurrent {@link #close()}, but loads may run in parallel.
 */
public interface TensorSource extends AutoCloseable {

    /** Opens {@code path}: a {@code *.safetensors.index.json} sharded index, or a single safetensors file. */
    static TensorSource open(Path path) {
        if (path.getFileName() != null && path.getFileName().toString().endsWith(".index.json")) {
            return ShardedSafetensors.open(path);
        }
        return SafetensorsFile.open(path);
    }

    /** Where the tensors live (the file, or the index file of a sharded checkpoint). */
    Path path();

    /** All tensor names, in file order. */
    List<String> names();

    boolean contains(String name);

    /** Header entry of {@code name}; throws {@link SafetensorsException} naming the file when absent. */
    TensorInfo info(String name);

    /** The {@code __metadata__} map (empty when the file has none). */
    Map<String, String> metadata();

    /** The raw little-endian bytes of a tensor as a read-only buffer (memory-mapped where possible). */
    ByteBuffer bytes(String name);

    /**
     * Loads a tensor as an ND4J array in c order. F16 and BF16 are converted to FLOAT exactly; every other dtype keeps
     * its own type (F64 stays DOUBLE, I64 stays LONG).
     */
    INDArray load(String name);

    /** Loads a tensor and casts it to {@code type} (exact for F16/BF16 to FLOAT). */
    default INDArray load(String name, DataType type) {
        INDArray a = load(name);
        if (a.dataType() == type) {
            return a;
        }
        INDArray c = a.castTo(type);
        a.close();
        return c;
    }

    @Override
    void close();
}
