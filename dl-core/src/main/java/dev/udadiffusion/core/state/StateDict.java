package dev.udadiffusion.core.state;

import dev.udadiffusion.core.safetensors.SafetensorsWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Moves parameter values between a built graph and checkpoints, under checkpoint key names. */
public final class StateDict {

    private StateDict() {
    }

    /**
     * Copies the tensors of {@code checkpoint} into the existing variables of a built graph. Strict by default: any
     * missing, unexpected, mis-shaped or conflicting key raises one {@link StateDictException} listing all of them,
     * before any variable is changed. Lenient mode loads what fits and returns the report.
     */
    public static LoadReport load(Params params, Checkpoint checkpoint, boolean strict) {
        if (strict) {
            // dry run on shapes and keys first, so a failing strict load leaves the graph untouched
            for (ParamSpec spec : params.specs().values()) {
                if (checkpoint.has(spec.key())) {
                    probeShape(checkpoint, spec);
                }
            }
            checkpoint.report(params.specs().values()).requireClean();
        }
        for (ParamSpec spec : params.specs().values()) {
            Optional<INDArray> v = checkpoint.load(spec, params.dataType());
            v.ifPresent(a -> {
                params.array(spec.key()).assign(a);
                a.close();
            });
        }
        return checkpoint.report(params.specs().values());
    }

    private static void probeShape(Checkpoint checkpoint, ParamSpec spec) {
        // Checkpoint.load records mismatches; loading a correct tensor here costs a read, which strict mode accepts.
        checkpoint.load(spec, DataType.FLOAT).ifPresent(INDArray::close);
    }

    /** The parameters selected by {@code include}, in checkpoint layout, keyed by checkpoint name. */
    public static Map<String, INDArray> torchTensors(Params params, Predicate<String> include) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String key : params.specs().keySet()) {
            if (include.test(key)) {
                out.put(key, params.torchValue(key));
            }
        }
        return out;
    }

    /** Saves the selected parameters to a safetensors file (atomically), with {@code format: pt} metadata. */
    public static void save(Params params, Path file, Predicate<String> include) {
        SafetensorsWriter.write(file, torchTensors(params, include), Map.of("format", "pt"));
    }

}
