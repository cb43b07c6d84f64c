package dev.udadiffusion.core.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A checkpoint split over several safetensors files, described by a {@code *.safetensors.index.json}
 * ({@code {"metadata": {...}, "weight_map": {"tensor name": "shard file name"}}}) as written by transformers and
 * diffusers. Shards must sit next to the index; the weight map and the shards' contents must agree exactly.
 */
public final class ShardedSafetensors implements TensorSource {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private final Path index;
    private final Map<String, SafetensorsFile> owner;
    private final List<SafetensorsFile> shards;
    private final Map<String, String> metadata;

    private ShardedSafetensors(Path index, Map<String, SafetensorsFile> owner, List<SafetensorsFile> shards,
            Map<String, String> metadata) {
        this.index = index;
        this.owner = owner;
        this.shards = shards;
        this.metadata = metadata;
    }

    public static ShardedSafetensors open(Path index) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(index));
        } catch (NoSuchFileException e) {
            throw new SafetensorsException(index, null, "index file does not exist", e);
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(index, null, "index is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new SafetensorsException(index, null, "cannot read index: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject() || !root.path("weight_map").isObject()) {
            throw new SafetensorsException(index, null, "index must be a JSON object with a 'weight_map' object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.path("metadata").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            metadata.put(e.getKey(), e.getValue().isTextual() ? e.getValue().textValue() : e.getValue().toString());
        }
        Path dir = index.toAbsolutePath().getParent();
        Map<String, SafetensorsFile> byFile = new LinkedHashMap<>();
        Map<String, SafetensorsFile> owner = new LinkedHashMap<>();
        try {
            for (Iterator<Map.Entry<String, JsonNode>> it = root.get("weight_map").fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw new SafetensorsException(index, e.getKey(), "weight_map value must be a file name");
                }
                String file = e.getValue().textValue();
                if (file.isEmpty() || file.contains("/") || file.contains("\\") || file.equals("..")
                        || file.equals(".")) {
                    throw new SafetensorsException(index, e.getKey(),
                            "shard '" + file + "' must be a plain file name next to the index");
                }
                SafetensorsFile shard = byFile.get(file);
                if (shard == null) {
                    shard = SafetensorsFile.open(dir.resolve(file));
                    byFile.put(file, shard);
                }
                if (!shard.contains(e.getKey())) {
                    throw new SafetensorsException(index, e.getKey(), "weight_map names shard '" + file
                            + "' but that shard does not contain the tensor");
                }
                owner.put(e.getKey(), shard);
            }
            for (SafetensorsFile shard : byFile.values()) {
                for (String name : shard.names()) {
                    if (owner.get(name) != shard) {
                        throw new SafetensorsException(shard.path(), name,
                                "tensor is in the shard but the index maps it elsewhere or not at all");
                    }
                }
            }
        } catch (RuntimeException ex) {
            byFile.values().forEach(SafetensorsFile::close);
            throw ex;
        }
        return new ShardedSafetensors(index, Collections.unmodifiableMap(owner), new ArrayList<>(byFile.values()),
                Collections.unmodifiableMap(metadata));
    }

    @Override
    public Path path() {
        return index;
    }

    /** The shard files in index order. */
    public List<Path> shardPaths() {
        return shards.stream().map(SafetensorsFile::path).toList();
    }

    @Override
    public List<String> names() {
        return List.copyOf(owner.keySet());
    }

    @Override
    public boolean contains(String name) {
        return owner.containsKey(name);
    }

    private SafetensorsFile shardOf(String name) {
        SafetensorsFile f = owner.get(name);
        if (f == null) {
            throw new SafetensorsException(index, name, "no such tensor in this sharded checkpoint");
        }
        return f;
    }

    @Override
    public TensorInfo info(String name) {
        return shardOf(name).info(name);
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public ByteBuffer bytes(String name) {
        return shardOf(name).bytes(name);
    }

    @Override
    public INDArray load(String name) {
        return shardOf(name).load(name);
    }

    @Override
    public void close() {
        shards.forEach(SafetensorsFile::close);
    }
}
