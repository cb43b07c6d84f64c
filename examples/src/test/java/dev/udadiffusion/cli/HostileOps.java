package dev.udadiffusion.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.udadiffusion.core.io.AtomicFiles;
import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.safetensors.SafetensorsWriter;
import dev.udadiffusion.core.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The corpus's file operations (see testdata/tools/make_hostile_corpus.py for the list). */
final class HostileOps {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HostileOps() {
    }

    static void apply(JsonNode op, Map<String, String> vars, Path corpusFiles) throws IOException {
        Path f = Path.of(HostileInputTest.substitute(op.get("file").asText(), vars));
        switch (op.get("op").asText()) {
            case "json-set" -> {
                ObjectNode o = (ObjectNode) JSON.readTree(f.toFile());
                for (Iterator<Map.Entry<String, JsonNode>> it = op.get("values").fields(); it.hasNext();) {
                    var e = it.next();
                    o.set(e.getKey(), e.getValue());
                }
                Files.writeString(f, o.toPrettyString());
            }
            case "json-remove" -> {
                ObjectNode o = (ObjectNode) JSON.readTree(f.toFile());
                o.remove(op.get("key").asText());
                Files.writeString(f, o.toPrettyString());
            }
            case "write" -> Files.writeString(f, op.get("text").asText());
            case "copy" -> Files.copy(corpusFiles.resolve(op.get("from").asText()), f,
                    StandardCopyOption.REPLACE_EXISTING);
            case "delete" -> AtomicFiles.deleteTree(f);
            case "truncate" -> {
                byte[] b = Files.readAllBytes(f);
                int n = op.has("bytes") ? op.get("bytes").asInt() : (int) (b.length * op.get("fraction").asDouble());
                Files.write(f, Arrays.copyOf(b, n));
            }
            case "st-header-length" -> {
                byte[] b = Files.readAllBytes(f);
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, op.get("value").asLong());
                Files.write(f, b);
            }
            case "st-header-text" -> rewriteHeader(f, h -> op.get("text").asText());
            case "st-offsets" -> rewriteHeader(f, h -> {
                ObjectNode o = (ObjectNode) parse(h);
                String first = o.fieldNames().next().equals("__metadata__") ? nthTensor(o, 1) : nthTensor(o, 0);
                ((ObjectNode) o.get(first)).set("data_offsets", op.get("value"));
                return o.toString();
            });
            case "st-drop", "st-extra", "st-reshape" -> rewriteTensors(f, op);
            default -> throw new IllegalArgumentException("unknown op " + op);
        }
    }

    private static String nthTensor(ObjectNode o, int n) {
        List<String> names = new ArrayList<>();
        o.fieldNames().forEachRemaining(names::add);
        return names.get(n);
    }

    private static JsonNode parse(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Replaces the JSON header (keeping the data), padding it with spaces to keep 8-byte alignment. */
    private static void rewriteHeader(Path f, UnaryOperator<String> edit) throws IOException {
        byte[] b = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        String header = new String(b, 8, (int) n, StandardCharsets.UTF_8);
        byte[] h = edit.apply(header).getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded + b.length - 8 - (int) n).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) {
            out.put((byte) ' ');
        }
        out.put(b, 8 + (int) n, b.length - 8 - (int) n);
        Files.write(f, out.array());
    }

    /** Drops a tensor, adds one, or gives one a wrong shape; the file stays valid safetensors. */
    private static void rewriteTensors(Path f, JsonNode op) throws IOException {
        String name = op.get("tensor").asText();
        List<SafetensorsWriter.Tensor> ts = new ArrayList<>();
        try (SafetensorsFile st = SafetensorsFile.open(f)) {
            for (TensorInfo t : st.infos()) {
                INDArray a = st.load(t.name());
                if (t.name().equals(name)) {
                    if (op.get("op").asText().equals("st-drop")) {
                        continue;
                    }
                    a = Nd4j.zeros(a.dataType(), a.length() + 1); // one element more, flat
                }
                ts.add(SafetensorsWriter.Tensor.of(t.name(), a));
            }
        }
        if (op.get("op").asText().equals("st-extra")) {
            ts.add(SafetensorsWriter.Tensor.of(name, Nd4j.zeros(DataType.FLOAT, 3, 3)));
        }
        SafetensorsWriter.write(f, ts, Map.of());
    }
}
