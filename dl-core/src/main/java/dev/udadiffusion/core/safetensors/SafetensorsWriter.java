package dev.udadiffusion.core.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes safetensors files the way the reference (Rust) writer does — tensors in name order (what safetensors 0.4+ does, whatever the dtypes),
 * {@code __metadata__} last in the caller's order, header padded with spaces to a multiple of 8 bytes — so a file we write from the same
 * tensors is byte-identical to the reference's. The file appears atomically: data goes to a temporary file in the
 * same folder, which is then moved into place; on failure nothing is left behind.
 */
public final class SafetensorsWriter {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A tensor to write: dtype, shape and little-endian c-order bytes. */
    /**
     * One tensor to write. {@code owner} keeps alive whatever owns {@code data}'s memory: ND4J frees an array's
     * off-heap buffer when the array is collected, so a byte view of an array must travel with the array.
     */
    public record Tensor(String name, DType dtype, long[] shape, ByteBuffer data, Object owner) {
        public Tensor(String name, DType dtype, long[] shape, ByteBuffer data) {
            this(name, dtype, shape, data, null);
        }

        public Tensor {
            shape = shape.clone();
            long numel = 1;
            for (long d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException(name + ": negative dimension in shape");
                }
                numel = Math.multiplyExact(numel, d);
            }
            if (data.remaining() != numel * dtype.itemSize()) {
                throw new IllegalArgumentException(name + ": " + data.remaining() + " bytes given, shape needs "
                        + numel * dtype.itemSize());
            }
        }

        /** An ND4J array stored in its own dtype (c order; views are copied). */
        public static Tensor of(String name, INDArray a) {
            return of(name, a, DType.of(a.dataType()));
        }

        /**
         * An ND4J array stored as {@code dtype}: floating arrays may be stored as F16 or BF16 (round to nearest even,
         * as torch's casts) or any other dtype ND4J casts to.
         */
        public static Tensor of(String name, INDArray a, DType dtype) {
            long[] shape = a.shape();
            if (a.isEmpty()) {
                return new Tensor(name, dtype, shape, ByteBuffer.allocate(0));
            }
            if (dtype == DType.F16 || dtype == DType.BF16) {
                INDArray f = a.dataType() == DataType.FLOAT ? a : a.castTo(DataType.FLOAT);
                float[] v = f.dup('c').data().asFloat();
                ByteBuffer b = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (float x : v) {
                    b.putShort(dtype == DType.F16 ? TensorCopy.floatToHalf(x) : TensorCopy.floatToBf16(x));
                }
                return new Tensor(name, dtype, shape, b.flip());
            }
            INDArray c = a.dataType() == dtype.nd4j() ? a : a.castTo(dtype.nd4j());
            if (c.isView() || c.ordering() != 'c' || c.data().offset() != 0) {
                c = c.dup('c');
            }
            return new Tensor(name, dtype, shape, TensorCopy.bytesOf(c), c);
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }
    }

    private SafetensorsWriter() {
    }

    /** Writes arrays under their map keys, each in its own dtype. */
    public static void write(Path path, Map<String, INDArray> arrays, Map<String, String> metadata) {
        List<Tensor> ts = new ArrayList<>();
        arrays.forEach((k, v) -> ts.add(Tensor.of(k, v)));
        write(path, ts, metadata);
    }

    /** Writes {@code tensors} atomically to {@code path}; {@code metadata} may be empty (then it is omitted). */
    public static void write(Path path, List<Tensor> tensors, Map<String, String> metadata) {
        Set<String> seen = new HashSet<>();
        for (Tensor t : tensors) {
            if (t.name().equals("__metadata__") || !seen.add(t.name())) {
                throw new SafetensorsException(path, t.name(), "duplicate or reserved tensor name");
            }
        }
        List<Tensor> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparing(Tensor::name));

        ByteBuffer head = header(path, sorted, metadata);

        Path dir = path.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + path.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeAll(ch, head);
                for (Tensor t : sorted) {
                    writeAll(ch, t.data().duplicate());
                    // the bytes may be a view of an ND4J array: keep it alive until they are written
                    Reference.reachabilityFence(t.owner());
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new SafetensorsException(path, null, "cannot write file: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the original error is what matters
                }
            }
        }
    }

    /**
     * The 8-byte length and the JSON header (tensors in name order with their offsets, then the metadata), padded with
     * spaces to a multiple of 8 as the reference writer does.
     */
    private static ByteBuffer header(Path path, List<Tensor> sorted, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (Tensor t : sorted) {
            ObjectNode e = header.putObject(t.name());
            e.put("dtype", t.dtype().name());
            ArrayNode s = e.putArray("shape");
            for (long d : t.shape()) {
                s.add(d);
            }
            long size = t.data().remaining();
            e.putArray("data_offsets").add(offset).add(offset + size);
            offset += size;
        }
        if (metadata != null && !metadata.isEmpty()) {
            // after the tensors, in the caller's order, as safetensors >= 0.4 writes it
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        byte[] json;
        try {
            json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(path, null, "cannot encode header", e);
        }
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        return head;
    }

    private static void writeAll(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
