package dev.udadiffusion.bench;

import dev.udadiffusion.core.safetensors.DType;
import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.safetensors.SafetensorsWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Safetensors load throughput: open a file (or a generated one of the given size) and load every tensor into ND4J
 * arrays, reporting GB/s. The file is read once first so the page cache is warm; the number is then the cost of our
 * copy and of allocating the arrays, which is what a user pays on the second run of a model.
 *
 * <p>HOW TO RUN (after {@code mvn -q -B install -DskipTests}):
 * <pre>
 * java -Dorg.bytedeco.javacpp.maxbytes=8G -Dorg.bytedeco.javacpp.maxphysicalbytes=12G \
 *      -cp benchmarks/target/benchmarks.jar dev.udadiffusion.bench.SafetensorsLoadBenchmark [FILE | --generate GB F32|F16|BF16] [--repeat N]
 * </pre>
 */
public final class SafetensorsLoadBenchmark {

    private SafetensorsLoadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path file = null;
        double genGb = 1.0;
        DType genType = DType.F32;
        int repeat = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--generate" -> {
                    genGb = Double.parseDouble(args[++i]);
                    genType = DType.valueOf(args[++i]);
                }
                case "--repeat" -> repeat = Integer.parseInt(args[++i]);
                default -> file = Paths.get(args[i]);
            }
        }
        boolean generated = file == null;
        if (generated) {
            file = Files.createTempFile("load-bench", ".safetensors");
            generate(file, genGb, genType);
        }
        try {
            long bytes = Files.size(file);
            warm(file);
            for (int r = 0; r < repeat; r++) {
                long t0 = System.nanoTime();
                List<INDArray> keep = new ArrayList<>();
                long loaded = 0;
                try (SafetensorsFile st = SafetensorsFile.open(file)) {
                    for (String n : st.names()) {
                        INDArray a = st.load(n);
                        loaded += st.info(n).byteSize();
                        keep.add(a);
                    }
                }
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf("run %d: %d tensors, %.3f GB on disk in %.3f s = %.2f GB/s (file %.3f GB)%n", r + 1,
                        keep.size(), loaded / 1e9, s, loaded / 1e9 / s, bytes / 1e9);
                keep.forEach(INDArray::close);
            }
        } finally {
            if (generated) {
                Files.deleteIfExists(file);
            }
        }
    }

    /** Tensors shaped like a U-Net's: many 1.6–6.5 M-element matrices, as the given dtype. */
    private static void generate(Path file, double gb, DType dtype) {
        long target = (long) (gb * 1e9);
        List<SafetensorsWriter.Tensor> ts = new ArrayList<>();
        long total = 0;
        int i = 0;
        while (total < target) {
            int rows = 1280;
            int cols = 1280 * (1 + i % 4);
            int bytes = rows * cols * dtype.itemSize();
            ByteBuffer b = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
            for (int k = 0; k + 4 <= bytes; k += 4) {
                b.putInt(k, dtype == DType.F32 ? Float.floatToIntBits((k % 1000) * 1e-3f) : 0x3c003c00);
            }
            ts.add(new SafetensorsWriter.Tensor("blocks." + i + ".weight", dtype, new long[] {rows, cols}, b));
            total += bytes;
            i++;
        }
        SafetensorsWriter.write(file, ts, Map.of("format", "pt"));
        Nd4j.getMemoryManager().invokeGc();
    }

    private static void warm(Path file) throws Exception {
        byte[] buf = new byte[1 << 20];
        try (var in = Files.newInputStream(file)) {
            while (in.read(buf) > 0) {
                // read through to fill the page cache
            }
        }
    }
}
