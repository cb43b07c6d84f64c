package dev.udadiffusion.core.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.udadiffusion.core.errors.InputException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads diffusers/transformers {@code config.json} files into Java records whose components are the JSON keys in
 * camelCase ({@code block_out_channels} → {@code blockOutChannels}). Keys a record does not declare (such as
 * {@code _class_name}, {@code _diffusers_version}, or options newer than this library) are ignored; records validate
 * the values they do declare in their compact constructors and fill the reference library's defaults for nulls.
 */
public final class Configs {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private Configs() {
    }

    /** Reads {@code file} as {@code type}; errors name the file and the offending key. */
    public static <T> T read(Path file, Class<T> type) {
        return read(readTree(file), type, file.toString());
    }

    /** A config file's JSON object; a missing file, invalid JSON or a non-object is a {@link ConfigException}. */
    public static JsonNode readTree(Path file) {
        JsonNode n;
        try {
            n = JSON.readTree(file.toFile());
        } catch (NoSuchFileException | FileNotFoundException e) {
            throw new ConfigException(file + ": config file does not exist");
        } catch (IOException e) {
            throw new ConfigException(file + ": not valid JSON: " + firstLine(e.getMessage()));
        }
        if (n == null || !n.isObject()) {
            throw new ConfigException(file + ": config must be a JSON object" + (n == null || n.isMissingNode()
                    ? " (the file is empty)" : ""));
        }
        return n;
    }

    /** Converts an already-parsed JSON object; {@code source} names it in errors. */
    public static <T> T read(JsonNode node, Class<T> type, String source) {
        if (node == null || !node.isObject()) {
            throw new ConfigException(source + ": config must be a JSON object");
        }
        try {
            return JSON.treeToValue(node, type);
        } catch (IOException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            if (root instanceof IllegalArgumentException) {
                throw new ConfigException(source + ": " + firstLine(root.getMessage()));
            }
            throw new ConfigException(source + ": " + keyOf(e) + firstLine(e.getMessage()).replaceAll(" \\(token .*", ""));
        }
    }

    /** "key 'block_out_channels': " for a value of the wrong type, from Jackson's path; empty when unknown. */
    private static String keyOf(IOException e) {
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            StringBuilder sb = new StringBuilder();
            for (JsonMappingException.Reference r : m.getPath()) {
                if (r.getFieldName() != null) {
                    sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
                } else if (r.getIndex() >= 0) {
                    sb.append('[').append(r.getIndex()).append(']');
                }
            }
            return sb.length() == 0 ? "" : "key '" + sb + "': ";
        }
        return "";
    }

    /** Jackson's messages add source locations on further lines; an error line keeps the first. */
    static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    /** Serialises a record back to diffusers-style JSON (snake_case keys). */
    public static String toJson(Object config) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config);
        } catch (IOException e) {
            throw new ConfigException("cannot serialise " + config.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** {@link #toJson} as an object to add keys to (e.g. a transformers config's {@code architectures}). */
    public static ObjectNode toJsonTree(Object config) {
        try {
            return (ObjectNode) JSON.readTree(toJson(config));
        } catch (IOException e) {
            throw new ConfigException("cannot serialise " + config.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    /** Thrown for unreadable configs and for values a model does not support. */
    public static final class ConfigException extends InputException {
        public ConfigException(String message) {
            super(message);
        }
    }

    /** The largest channel/width count a config may claim: beyond it sizes overflow int arithmetic in graph shapes. */
    public static final int MAX_WIDTH = 1 << 16;

    /** Fails unless {@code min <= value <= max}, naming the key and the range. */
    public static void requireRange(String key, Number value, long min, long max) {
        if (value == null || value.longValue() < min || value.longValue() > max
                || value.doubleValue() != value.longValue()) {
            throw new IllegalArgumentException(key + "=" + value + " is out of range (allowed: " + min + " to " + max + ")");
        }
    }

    /** {@link #requireRange} for every entry of a list. */
    public static void requireRange(String key, List<? extends Number> values, long min, long max) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException(key + " is empty");
        }
        for (Number v : values) {
            if (v == null || v.longValue() < min || v.longValue() > max) {
                throw new IllegalArgumentException(key + "=" + values + " is out of range (each: " + min + " to " + max + ")");
            }
        }
    }

    /** Fails with a message naming the key and the supported values. */
    public static void require(boolean ok, String key, Object value, String supported) {
        if (!ok) {
            throw new IllegalArgumentException(key + "=" + value + " is not supported (" + supported + ")");
        }
    }
}
