package dev.udadiffusion.core.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.factory.Nd4j;

/** A corpus of broken files, each rejected with one exception naming the file and the rule broken. */
class SafetensorsMalformedTest {

    @TempDir
    static Path dir;

    /** A valid 3-tensor file used as the base of the truncation cases. */
    static byte[] valid;

    @BeforeAll
    static void makeValid() throws IOException {
        Path f = dir.resolve("valid.safetensors");
        SafetensorsWriter.write(f, Map.of("a", Nd4j.rand(3, 4), "b", Nd4j.ones(5), "c",
                Nd4j.create(new float[] {1, 2}, new long[] {2}).castTo(org.nd4j.linalg.api.buffer.DataType.HALF)),
                Map.of("format", "pt"));
        valid = Files.readAllBytes(f);
    }

    static byte[] file(String header, int dataBytes) {
        return file(header.getBytes(StandardCharsets.UTF_8), dataBytes);
    }

    static byte[] file(byte[] header, int dataBytes) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        return b.array();
    }

    static byte[] withLength(long n, byte[] rest) {
        ByteBuffer b = ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(n).put(rest);
        return b.array();
    }

    static String t(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + ","
                + end + "]}";
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }

    static Stream<Arguments> corpus() {
        List<Arguments> c = new ArrayList<>();
        // --- truncation at many points of a valid file
        long headerLen = ByteBuffer.wrap(valid, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        int dataStart = (int) (8 + headerLen);
        for (int cut : new int[] {0, 1, 4, 7}) {
            c.add(Arguments.of("truncated at " + cut, Arrays.copyOf(valid, cut), "fewer than the 8-byte"));
        }
        for (int cut : new int[] {8, 9, 20, dataStart / 2, dataStart - 1}) {
            c.add(Arguments.of("truncated in header at " + cut, Arrays.copyOf(valid, cut), "runs past the end of the file"));
        }
        for (int cut : new int[] {dataStart, dataStart + 1, dataStart + 20, valid.length - 4, valid.length - 1}) {
            c.add(Arguments.of("truncated in data at " + cut, Arrays.copyOf(valid, cut), "truncated"));
        }
        c.add(Arguments.of("trailing garbage", concat(valid, new byte[] {1, 2, 3}), "3 trailing bytes"));
        // --- header length
        c.add(Arguments.of("length 2^63-1", withLength(Long.MAX_VALUE, new byte[16]), "exceeds the limit"));
        c.add(Arguments.of("length with top bit", withLength(-8, new byte[16]), "exceeds the limit"));
        c.add(Arguments.of("length 100000001", withLength(100_000_001L, new byte[16]), "exceeds the limit"));
        c.add(Arguments.of("length beyond file", withLength(1000, "{}".getBytes()), "runs past the end of the file"));
        c.add(Arguments.of("length zero", withLength(0, new byte[0]), "too small"));
        // --- JSON and UTF-8
        c.add(Arguments.of("not an object", file("[1,2,3]", 0), "does not start with '{'"));
        c.add(Arguments.of("leading space", file(" {}", 0), "does not start with '{'"));
        c.add(Arguments.of("unclosed object", file("{\"a\":{\"dtype\":\"F32\"", 0), "not valid JSON"));
        c.add(Arguments.of("missing value", file("{\"a\":}", 0), "not valid JSON"));
        c.add(Arguments.of("trailing token", file("{} {}", 0), "not valid JSON"));
        c.add(Arguments.of("single quotes", file("{'a':1}", 0), "not valid JSON"));
        c.add(Arguments.of("invalid utf-8 0xff", file(concat("{\"a".getBytes(), new byte[] {(byte) 0xff}, "\":1}".getBytes()), 0),
                "not valid UTF-8"));
        c.add(Arguments.of("overlong utf-8", file(concat("{\"".getBytes(), new byte[] {(byte) 0xc0, (byte) 0x80}, "\":1}".getBytes()), 0),
                "not valid UTF-8"));
        c.add(Arguments.of("utf-8 surrogate", file(concat("{\"".getBytes(), new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
                "\":1}".getBytes()), 0), "not valid UTF-8"));
        // --- wrong JSON types
        c.add(Arguments.of("entry is a number", file("{\"a\":3}", 0), "entry must be a JSON object"));
        c.add(Arguments.of("dtype is a number", file("{\"a\":{\"dtype\":1,\"shape\":[],\"data_offsets\":[0,4]}}", 4), "'dtype' must be a string"));
        c.add(Arguments.of("dtype missing", file("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "'dtype' must be a string"));
        c.add(Arguments.of("shape is a string", file("{" + t("a", "F32", "\"[1]\"", 0, 4) + "}", 4), "'shape' must be an array"));
        c.add(Arguments.of("shape missing", file("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4), "'shape' must be an array"));
        c.add(Arguments.of("shape holds a string", file("{" + t("a", "F32", "[\"1\"]", 0, 4) + "}", 4), "'shape' must hold non-negative integers"));
        c.add(Arguments.of("offsets of three", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 4),
                "'data_offsets' must be an array of two"));
        c.add(Arguments.of("offsets null", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":null}}", 4),
                "'data_offsets' must be an array of two"));
        c.add(Arguments.of("offset is a float", file("{" + t("a", "F32", "[1]", 0, 4).replace("[0,4]", "[0.0,4]") + "}", 4),
                "'data_offsets' must hold non-negative integers"));
        c.add(Arguments.of("metadata not an object", file("{\"__metadata__\":[1]}", 0), "__metadata__ must be a JSON object"));
        c.add(Arguments.of("metadata value a number", file("{\"__metadata__\":{\"format\":1}}", 0), "value of 'format' must be a string"));
        c.add(Arguments.of("metadata value an object", file("{\"__metadata__\":{\"x\":{}}}", 0), "value of 'x' must be a string"));
        // --- dtypes
        c.add(Arguments.of("unknown dtype", file("{" + t("a", "F33", "[1]", 0, 4) + "}", 4), "unknown dtype 'F33'"));
        c.add(Arguments.of("lower-case dtype", file("{" + t("a", "f32", "[1]", 0, 4) + "}", 4), "unknown dtype 'f32'"));
        c.add(Arguments.of("fp8 dtype", file("{" + t("a", "F8_E4M3", "[4]", 0, 4) + "}", 4), "F8_E4M3 is not supported"));
        // --- shapes
        c.add(Arguments.of("negative shape", file("{" + t("a", "F32", "[-1]", 0, 4) + "}", 4), "non-negative integers, found -1"));
        c.add(Arguments.of("fractional shape", file("{" + t("a", "F32", "[1.5]", 0, 4) + "}", 4), "non-negative integers, found 1.5"));
        c.add(Arguments.of("shape beyond 64 bits", file("{" + t("a", "F32", "[100000000000000000000]", 0, 4) + "}", 4),
                "non-negative integers"));
        c.add(Arguments.of("numel overflow", file("{" + t("a", "F32", "[4611686018427387904,4]", 0, 4) + "}", 4), "more elements than fit"));
        c.add(Arguments.of("bytes overflow", file("{" + t("a", "F64", "[2305843009213693952,2]", 0, 4) + "}", 4), "overflows 64 bits"));
        c.add(Arguments.of("size mismatch", file("{" + t("a", "F32", "[2,3]", 0, 20) + "}", 20), "span 20 bytes but shape [2,3] of F32 needs 24"));
        c.add(Arguments.of("size mismatch f16", file("{" + t("a", "F16", "[3]", 0, 12) + "}", 12), "needs 6"));
        // --- offsets
        c.add(Arguments.of("end before begin", file("{" + t("a", "F32", "[0]", 8, 4) + "}", 8), "end before begin"));
        c.add(Arguments.of("negative offset", file("{" + t("a", "F32", "[1]", -4, 0) + "}", 4), "non-negative integers, found -4"));
        c.add(Arguments.of("overlap", file("{" + t("a", "F32", "[2]", 0, 8) + "," + t("b", "F32", "[2]", 4, 12) + "}", 12), "overlap tensor 'a'"));
        c.add(Arguments.of("identical ranges", file("{" + t("a", "F32", "[2]", 0, 8) + "," + t("b", "F32", "[2]", 0, 8) + "}", 8), "overlap"));
        c.add(Arguments.of("gap", file("{" + t("a", "F32", "[1]", 0, 4) + "," + t("b", "F32", "[1]", 8, 12) + "}", 12), "gap of 4 bytes"));
        c.add(Arguments.of("gap at start", file("{" + t("a", "F32", "[1]", 4, 8) + "}", 8), "after the start of the data section"));
        c.add(Arguments.of("offsets beyond file", file("{" + t("a", "F32", "[4]", 0, 16) + "}", 8), "past the end of the data section"));
        c.add(Arguments.of("huge offsets", file("{" + t("a", "U8", "[1]", 9223372036854775806L, 9223372036854775807L) + "}", 1), "gap"));
        // --- duplicates
        c.add(Arguments.of("duplicate tensor", file("{" + t("a", "F32", "[1]", 0, 4) + "," + t("a", "F32", "[1]", 4, 8) + "}", 8),
                "duplicate key"));
        c.add(Arguments.of("duplicate metadata", file("{\"__metadata__\":{},\"__metadata__\":{}}", 0), "duplicate key"));
        c.add(Arguments.of("duplicate field in entry", file("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
                "duplicate key"));
        return c.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void rejected(String name, byte[] content, String expected) throws IOException {
        Path f = dir.resolve(name.replaceAll("[^A-Za-z0-9]+", "_") + ".safetensors");
        Files.write(f, content);
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(f).close());
        assertTrue(e.getMessage().contains(expected), () -> "message '" + e.getMessage() + "' lacks '" + expected + "'");
        assertTrue(e.getMessage().startsWith(f.toString()), "message names the file");
        assertEquals(f, e.file());
    }

    @Test
    void corpusIsLarge() {
        assertTrue(corpus().count() >= 40);
    }

    @Test
    void tensorErrorsNameTheTensor() throws IOException {
        Path f = dir.resolve("named.safetensors");
        Files.write(f, file("{" + t("conv.weight", "F32", "[2,3]", 0, 20) + "}", 20));
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(f));
        assertEquals("conv.weight", e.tensor());
        assertTrue(e.getMessage().contains("tensor 'conv.weight'"));
    }

    @Test
    void missingFileAndMissingTensor() {
        Path f = dir.resolve("nope.safetensors");
        assertTrue(assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(f)).getMessage().contains("does not exist"));
        Path v = write("v.safetensors", valid);
        try (SafetensorsFile st = SafetensorsFile.open(v)) {
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> st.load("zz"));
            assertTrue(e.getMessage().contains("tensor 'zz': no such tensor"));
        }
    }

    @Test
    void paddedHeaderAndEmptyAndScalarTensorsAreAccepted() {
        byte[] f = file("{" + t("s", "F32", "[]", 0, 4) + "," + t("e", "F32", "[0,3]", 4, 4) + "}     ", 4);
        Path p = write("ok.safetensors", f);
        try (SafetensorsFile st = SafetensorsFile.open(p)) {
            assertEquals(0, st.load("s").rank());
            assertTrue(st.load("e").isEmpty());
        }
    }

    /** Random byte mutations of a valid file: each opens fine or throws SafetensorsException — nothing else. */
    @Test
    void mutationsNeverCrashOrEscapeTheExceptionType() {
        Random r = new Random(42);
        int rejected = 0;
        for (int i = 0; i < 400; i++) {
            byte[] m = valid.clone();
            int flips = 1 + r.nextInt(3);
            for (int k = 0; k < flips; k++) {
                int pos = r.nextInt(i % 2 == 0 ? Math.min(m.length, 120) : m.length);
                m[pos] = (byte) r.nextInt(256);
            }
            if (r.nextInt(4) == 0) {
                m = Arrays.copyOf(m, r.nextInt(m.length + 1));
            }
            Path p = write("mut.safetensors", m);
            try (SafetensorsFile st = SafetensorsFile.open(p)) {
                for (String n : st.names()) {
                    st.load(n).close();
                }
            } catch (SafetensorsException e) {
                rejected++;
            }
        }
        assertTrue(rejected > 100, "most mutations should be caught, got " + rejected);
    }

    private static Path write(String name, byte[] content) {
        try {
            return Files.write(dir.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
