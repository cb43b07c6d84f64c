package dev.udadiffusion.core.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A safetensors file opened for lazy, memory-mapped reading.
 *
 * <p>The whole header is validated before any tensor data is touched, following the reference implementation
 * (huggingface/safetensors {@code tensor.rs}): an 8-byte little-endian header length of at most 100,000,000 that fits in
 * the file; a UTF-8 JSON object without duplicate keys; every entry with a supported dtype, a shape of non-negative
 * integers and offsets such that {@code end - begin == numel * itemsize}; entries that tile the data section from 0 to
 * the end of the file with neither overlaps nor gaps; {@code __metadata__} a string-to-string map. Any violation raises
 * {@link SafetensorsException} naming the file, the tensor and the rule.
 */
public final class SafetensorsFile implements TensorSource {

    /** The reference implementation's limit on the header size. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    static final Set<String> UNSUPPORTED_FORMAT_DTYPES = Set.of("F4", "F6_E2M3", "F6_E3M2", "F8_E5M2", "F8_E4M3",
            "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ", "U16", "U32", "U64", "C64");

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens and validates {@code path}; throws {@link SafetensorsException} for any format violation. */
    public static SafetensorsFile open(Path path) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new SafetensorsException(path, null, "file does not exist", e);
        } catch (IOException e) {
            throw new SafetensorsException(path, null, "cannot open file: " + e.getMessage(), e);
        }
        try {
            return read(path, ch);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static SafetensorsFile read(Path path, FileChannel ch) {
        SafetensorsHeader h = SafetensorsHeader.read(path, ch);
        return new SafetensorsFile(path, ch, h.dataStart(), h.tensors(), h.metadata());
    }

    @Override
    public Path path() {
        return path;
    }

    @Override
    public List<String> names() {
        return List.copyOf(tensors.keySet());
    }

    @Override
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new SafetensorsException(path, name, "no such tensor in this file");
        }
        return t;
    }

    /** All header entries in file order. */
    public List<TensorInfo> infos() {
        return List.copyOf(tensors.values());
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Size of the data section in bytes. */
    public long dataBytes() {
        long s = 0;
        for (TensorInfo t : tensors.values()) {
            s += t.byteSize();
        }
        return s;
    }

    @Override
    public ByteBuffer bytes(String name) {
        TensorInfo t = info(name);
        if (t.byteSize() > Integer.MAX_VALUE) {
            throw new SafetensorsException(path, name, "tensors of 2 GiB or more are not supported ("
                    + t.byteSize() + " bytes)");
        }
        if (t.byteSize() == 0) {
            return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer();
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, dataStart + t.begin(), t.byteSize())
                    .order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new SafetensorsException(path, name, "cannot map tensor data: " + e.getMessage(), e);
        }
    }

    @Override
    public INDArray load(String name) {
        TensorInfo t = info(name);
        return TensorCopy.toArray(t, bytes(name));
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing to recover: the file was only read
        }
    }
}
