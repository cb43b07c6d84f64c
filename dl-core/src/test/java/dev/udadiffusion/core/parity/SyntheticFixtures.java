package dev.udadiffusion.core.parity;

import dev.udadiffusion.core.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Builds synthetic fixture folders for harness tests; out.y is computed by a double-precision loop. */
public final class SyntheticFixtures {

    private SyntheticFixtures() {
    }

    /**
     * A "test.Linear" fixture 6→4 on a batch of 3. {@code perturb} is added to out.y; {@code extraOutput} adds an
     * output no checker produces.
     */
    public static Path linear(Path dir, String name, double perturb, boolean extraOutput) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        Nd4j.getRandom().setSeed(name.hashCode());
        INDArray w = Nd4j.rand(DataType.FLOAT, 4, 6).subi(0.5f);
        INDArray b = Nd4j.rand(DataType.FLOAT, 4).subi(0.5f);
        INDArray x = Nd4j.rand(DataType.FLOAT, 3, 6);
        double[] y = new double[12];
        for (int r = 0; r < 3; r++)
            for (int o = 0; o < 4; o++) {
                double s = b.getDouble(o);
                for (int i = 0; i < 6; i++) s += x.getDouble(r, i) * w.getDouble(o, i);
                y[r * 4 + o] = s + (r == 1 && o == 2 ? perturb : 0);
            }
        SafetensorsWriter.write(d.resolve("weights.safetensors"), Map.of("fc.weight", w, "fc.bias", b), Map.of("format", "pt"));
        Map<String, INDArray> io = new LinkedHashMap<>();
        io.put("in.x", x);
        io.put("out.y", Nd4j.create(y, new long[] {3, 4}, DataType.DOUBLE).castTo(DataType.FLOAT));
        if (extraOutput) {
            io.put("out.z", Nd4j.zeros(DataType.FLOAT, 2));
        }
        SafetensorsWriter.write(d.resolve("io.safetensors"), io, Map.of("format", "pt"));
        Files.writeString(d.resolve("config.json"),
                "{\"in_features\": 6, \"out_features\": 4, \"reference\": {\"class\": \"test.Linear\"}}");
        Files.writeString(d.resolve("notes.md"), "# " + name + "\nSuggested tolerance: max abs error 1e-05, relative L2 error 1e-05.\n");
        return d;
    }

    /** A fixture of a kind no checker knows. */
    public static Path unknown(Path dir) throws IOException {
        Path d = Files.createDirectories(dir.resolve("mystery"));
        SafetensorsWriter.write(d.resolve("io.safetensors"), Map.of("out.q", Nd4j.ones(2)), Map.of());
        Files.writeString(d.resolve("config.json"), "{\"reference\": {\"class\": \"acme.Mystery\"}}");
        return d;
    }
}
