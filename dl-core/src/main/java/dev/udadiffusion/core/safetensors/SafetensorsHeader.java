package dev.udadiffusion.core.safetensors;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A safetensors header read and validated as the reference implementation does (see {@link SafetensorsFile}): the
 * offset of the data section, the tensors by name in file order, and the metadata.
 */
record SafetensorsHeader(long dataStart, Map<String, TensorInfo> tensors, Map<String, String> metadata) {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static SafetensorsHeader read(Path path, FileChannel ch) {
        long fileSize = size(path, ch);
        long n = headerLength(path, ch, fileSize);
        JsonNode root = json(path, ch, n);
        long dataStart = 8 + n;
        long dataSize = fileSize - dataStart;
        Map<String, String> metadata = Map.of();
        List<TensorInfo> infos = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                metadata = parseMetadata(path, e.getValue());
            } else {
                infos.add(parseEntry(path, e.getKey(), e.getValue()));
            }
        }
        checkTiling(path, infos, dataSize);
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        for (TensorInfo t : infos) {
            byName.put(t.name(), t);
        }
        return new SafetensorsHeader(dataStart, Collections.unmodifiableMap(byName), metadata);
    }

    private static long size(Path path, FileChannel ch) {
        try {
            return ch.size();
        } catch (IOException e) {
            throw new SafetensorsException(path, null, "cannot read file: " + e.getMessage(), e);
        }
    }

    /** The 8-byte little-endian header length, checked against the limit and the file size. */
    private static long headerLength(Path path, FileChannel ch, long fileSize) {
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        try {
            if (fileSize < 8) {
                throw new SafetensorsException(path, null,
                        "file has " + fileSize + " bytes, fewer than the 8-byte header length prefix");
            }
            readFully(ch, lenBuf, 0);
        } catch (IOException e) {
            throw new SafetensorsException(path, null, "cannot read file: " + e.getMessage(), e);
        }
        long n = lenBuf.getLong(0);
        if (n < 0 || n > SafetensorsFile.MAX_HEADER_BYTES) {
            throw new SafetensorsException(path, null, "header length " + Long.toUnsignedString(n)
                    + " exceeds the limit of " + SafetensorsFile.MAX_HEADER_BYTES + " bytes");
        }
        if (8 + n > fileSize) {
            throw new SafetensorsException(path, null,
                    "header length " + n + " runs past the end of the file (" + fileSize + " bytes)");
        }
        if (n < 2) {
            throw new SafetensorsException(path, null, "header length " + n + " is too small for a JSON object");
        }
        return n;
    }

    /** The header: UTF-8 JSON, one object without duplicate keys. */
    private static JsonNode json(Path path, FileChannel ch, long n) {
        ByteBuffer headerBytes = ByteBuffer.allocate((int) n);
        try {
            readFully(ch, headerBytes, 8);
        } catch (IOException e) {
            throw new SafetensorsException(path, null, "cannot read header: " + e.getMessage(), e);
        }
        headerBytes.flip();
        if (headerBytes.get(0) != '{') {
            throw new SafetensorsException(path, null, "header does not start with '{'");
        }
        String header;
        try {
            CharBuffer cb = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(headerBytes);
            header = cb.toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(path, null, "header is not valid UTF-8", e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (JsonParseException e) {
            String msg = e.getOriginalMessage();
            if (msg != null && msg.startsWith("Duplicate field")) {
                throw new SafetensorsException(path, null, "header has a duplicate key: " + msg, e);
            }
            throw new SafetensorsException(path, null, "header is not valid JSON: " + firstLine(msg), e);
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(path, null, "header is not valid JSON: " + firstLine(e.getOriginalMessage()), e);
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsException(path, null, "header is not a JSON object");
        }
        return root;
    }

    private static Map<String, String> parseMetadata(Path path, JsonNode node) {
        if (!node.isObject()) {
            throw new SafetensorsException(path, null, "__metadata__ must be a JSON object of strings, found "
                    + node.getNodeType().toString().toLowerCase());
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new SafetensorsException(path, null, "__metadata__ value of '" + e.getKey()
                        + "' must be a string, found " + e.getValue().getNodeType().toString().toLowerCase());
            }
            m.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(m);
    }

    private static TensorInfo parseEntry(Path path, String name, JsonNode node) {
        if (!node.isObject()) {
            throw new SafetensorsException(path, name, "entry must be a JSON object, found "
                    + node.getNodeType().toString().toLowerCase());
        }
        JsonNode dt = node.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw new SafetensorsException(path, name, "'dtype' must be a string");
        }
        String dts = dt.textValue();
        DType dtype = DType.parse(dts).orElseThrow(() -> new SafetensorsException(path, name,
                SafetensorsFile.UNSUPPORTED_FORMAT_DTYPES.contains(dts) ? "dtype " + dts + " is not supported by this library"
                        : "unknown dtype '" + dts + "'"));
        JsonNode sh = node.get("shape");
        if (sh == null || !sh.isArray()) {
            throw new SafetensorsException(path, name, "'shape' must be an array of non-negative integers");
        }
        long[] shape = new long[sh.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegativeLong(path, name, "shape", sh.get(i));
            try {
                numel = Math.multiplyExact(numel, shape[i]);
            } catch (ArithmeticException e) {
                throw new SafetensorsException(path, name, "shape " + sh + " has more elements than fit in 64 bits");
            }
        }
        JsonNode off = node.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2) {
            throw new SafetensorsException(path, name, "'data_offsets' must be an array of two non-negative integers");
        }
        long begin = nonNegativeLong(path, name, "data_offsets", off.get(0));
        long end = nonNegativeLong(path, name, "data_offsets", off.get(1));
        if (end < begin) {
            throw new SafetensorsException(path, name, "data_offsets [" + begin + ", " + end + "] end before begin");
        }
        long expected;
        try {
            expected = Math.multiplyExact(numel, dtype.itemSize());
        } catch (ArithmeticException e) {
            throw new SafetensorsException(path, name, "byte size of shape " + sh + " overflows 64 bits");
        }
        if (end - begin != expected) {
            throw new SafetensorsException(path, name, "data_offsets [" + begin + ", " + end + "] span "
                    + (end - begin) + " bytes but shape " + sh + " of " + dtype + " needs " + expected);
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static long nonNegativeLong(Path path, String name, String field, JsonNode v) {
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new SafetensorsException(path, name,
                    "'" + field + "' must hold non-negative integers, found " + v);
        }
        long x = v.longValue();
        if (x < 0) {
            throw new SafetensorsException(path, name, "'" + field + "' must hold non-negative integers, found " + x);
        }
        return x;
    }

    /** Entries sorted by offset must tile [0, dataSize) exactly. */
    private static void checkTiling(Path path, List<TensorInfo> infos, long dataSize) {
        List<TensorInfo> sorted = new ArrayList<>(infos);
        sorted.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long prevEnd = 0;
        String prevName = null;
        for (TensorInfo t : sorted) {
            if (t.begin() < prevEnd) {
                throw new SafetensorsException(path, t.name(), "data_offsets [" + t.begin() + ", " + t.end()
                        + "] overlap tensor '" + prevName + "' ending at " + prevEnd);
            }
            if (t.begin() > prevEnd) {
                throw new SafetensorsException(path, t.name(), "data_offsets [" + t.begin() + ", " + t.end()
                        + "] leave a gap of " + (t.begin() - prevEnd) + " bytes after "
                        + (prevName == null ? "the start of the data section" : "tensor '" + prevName + "'"));
            }
            prevEnd = t.end();
            prevName = t.name();
        }
        if (prevEnd > dataSize) {
            throw new SafetensorsException(path, prevName, "data_offsets end at " + prevEnd
                    + ", past the end of the data section (" + dataSize + " bytes): the file is truncated");
        }
        if (prevEnd < dataSize) {
            throw new SafetensorsException(path, null, "data section has " + dataSize + " bytes but the tensors cover "
                    + prevEnd + ": " + (dataSize - prevEnd) + " trailing bytes");
        }
    }

    static void readFully(FileChannel ch, ByteBuffer dst, long pos) throws IOException {
        while (dst.hasRemaining()) {
            int r = ch.read(dst, pos);
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += r;
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }

}
