package dev.udadiffusion.core.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

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
        try {
            return read(JSON.readTree(file.toFile()), type, file.toString());
        } catch (NoSuchFileException | FileNotFoundException e) {
            throw new ConfigException(file + ": config file does not exist");
        } catch (IOException e) {
            throw new ConfigException(file + ": not valid JSON: " + e.getMessage());
        }
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
            String msg = root instanceof IllegalArgumentException ? root.getMessage() : e.getMessage();
            throw new ConfigException(source + ": " + msg);
        }
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
    public static final class ConfigException extends RuntimeException {
        public ConfigException(String message) {
            super(message);
        }
    }

    /** Fails with a message naming the key and the supported values. */
    public static void require(boolean ok, String key, Object value, String supported) {
        if (!ok) {
            throw new IllegalArgumentException(key + "=" + value + " is not supported (" + supported + ")");
        }
    }
}
