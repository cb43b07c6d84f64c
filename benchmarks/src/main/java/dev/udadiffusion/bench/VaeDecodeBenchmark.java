package dev.udadiffusion.bench;

import dev.udadiffusion.diffusion.vae.AutoencoderKL;
import dev.udadiffusion.diffusion.vae.AutoencoderKLConfig;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Time and memory of a full-size SD1.5 VAE decode (random weights; the cost does not depend on their values):
 * 64×64 latents → 512×512 image, and optionally a 1024×1024 decode, plain and tiled.
 *
 * <p>HOW TO RUN (after {@code mvn -q -B install -DskipTests}):
 * <pre>
 * OMP_NUM_THREADS=2 java -Xmx2g -Dorg.bytedeco.javacpp.maxbytes=16G -Dorg.bytedeco.javacpp.maxphysicalbytes=20G \
 *      -cp benchmarks/target/benchmarks.jar dev.udadiffusion.bench.VaeDecodeBenchmark [--repeat 3] [--large]
 * </pre>
 */
public final class VaeDecodeBenchmark {

    private VaeDecodeBenchmark() {
    }

    /** The SD1.5 {@code vae/config.json}. */
    static AutoencoderKLConfig sd15() {
        return new AutoencoderKLConfig(3, 3, List.of("DownEncoderBlock2D", "DownEncoderBlock2D", "DownEncoderBlock2D",
                "DownEncoderBlock2D"), List.of("UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D", "UpDecoderBlock2D"),
                List.of(128, 256, 512, 512), 2, "silu", 4, 32, 512, 0.18215, null, true, true, true, true);
    }

    public static void main(String[] args) {
        int repeat = 3;
        boolean large = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--repeat")) {
                repeat = Integer.parseInt(args[++i]);
            } else if (args[i].equals("--large")) {
                large = true;
            }
        }
        long t0 = System.nanoTime();
        try (AutoencoderKL vae = AutoencoderKL.random(sd15(), 1)) {
            System.out.printf("built SD1.5 VAE (%,d parameters) in %.1f s, RSS %d MB%n", vae.params().count(),
                    (System.nanoTime() - t0) / 1e9, ProcessMemory.rssMb());
            INDArray z = Nd4j.rand(DataType.FLOAT, 1, 4, 64, 64);
            for (int r = 0; r < repeat; r++) {
                long s = System.nanoTime();
                INDArray img = vae.decode(z);
                System.out.printf("decode 64x64 -> %dx%d: %.2f s, RSS %d MB, peak %d MB%n", img.size(2), img.size(3),
                        (System.nanoTime() - s) / 1e9, ProcessMemory.rssMb(), ProcessMemory.peakMb());
                img.close();
            }
            if (large) {
                INDArray z2 = Nd4j.rand(DataType.FLOAT, 1, 4, 128, 128);
                long s = System.nanoTime();
                INDArray img = vae.setTiling(true).decode(z2);
                System.out.printf("tiled decode 128x128 -> %dx%d: %.2f s, RSS %d MB, peak %d MB%n", img.size(2),
                        img.size(3), (System.nanoTime() - s) / 1e9, ProcessMemory.rssMb(), ProcessMemory.peakMb());
            }
        }
    }
}
