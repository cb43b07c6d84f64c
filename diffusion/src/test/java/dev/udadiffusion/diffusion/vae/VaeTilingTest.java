package dev.udadiffusion.diffusion.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.parity.ErrorMetrics;
import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.testing.TestData;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class VaeTilingTest {

    /** diffusers' tiled encode/decode of vae_tiny ({@code enable_tiling()}; see the fixture's notes.md). */
    static final Path FIXTURE = TestData.reference("vae_tiling_tiny");

    static INDArray nearest(INDArray t, int f) {
        long b = t.size(0), c = t.size(1), h = t.size(2), w = t.size(3);
        INDArray out = Nd4j.create(t.dataType(), b, c, h * f, w * f);
        for (int i = 0; i < h * f; i++) {
            for (int j = 0; j < w * f; j++) {
                out.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(i), NDArrayIndex.point(j))
                        .assign(t.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(i / f), NDArrayIndex.point(j / f)));
            }
        }
        return out;
    }

    static AutoencoderKL vae() {
        AutoencoderKLConfig c = AutoencoderKLConfig.read(TestData.reference("vae_tiny").resolve("config.json"));
        return AutoencoderKL.load(c, TestData.reference("vae_tiny").resolve("weights.safetensors"));
    }

    @Test
    void tilingALocalOperatorReproducesItExactlyOnNonSquareInputs() {
        INDArray z = Nd4j.rand(DataType.DOUBLE, 1, 2, 13, 21);
        INDArray tiled = VaeTiling.tiled(z, 8, 32, 0.25, t -> nearest(t, 4));
        INDArray ref = nearest(z, 4);
        assertArrayEquals(ref.shape(), tiled.shape());
        assertTrue(ErrorMetrics.of(tiled, ref).maxAbs() < 1e-12);
    }

    @Test
    void blendingIsLinearAcrossTheOverlap() {
        INDArray a = Nd4j.zeros(DataType.DOUBLE, 1, 1, 4, 4);
        INDArray b = Nd4j.ones(DataType.DOUBLE, 1, 1, 4, 4);
        VaeTiling.blendV(a, b, 2);
        assertEquals(0.0, b.getDouble(0, 0, 0, 0), 0);
        assertEquals(0.5, b.getDouble(0, 0, 1, 0), 0);
        assertEquals(1.0, b.getDouble(0, 0, 2, 0), 0);
    }

    /**
     * Both cases of the diffusers fixture (a thin last tile row; a batch of two, wide): tiled decode and tiled encode
     * equal diffusers' within the fixture's tolerance (1e-4), while the untiled decode of the same latents is far off
     * (so the comparison sees the tiling, not just the decoder).
     */
    @Test
    void tiledDecodeAndEncodeMatchDiffusers() {
        try (AutoencoderKL vae = vae(); SafetensorsFile io = SafetensorsFile.open(FIXTURE.resolve("io.safetensors"))) {
            for (String p : new String[] {"case0.", "case1."}) {
                INDArray z = io.load("in." + p + "z");
                INDArray want = io.load("out." + p + "decoded");
                INDArray tiled = vae.setTiling(true).decode(z);
                assertArrayEquals(want.shape(), tiled.shape(), p);
                assertTrue(ErrorMetrics.of(tiled, want).maxAbs() < 1e-4, p + "decoded: " + ErrorMetrics.of(tiled, want));
                assertTrue(ErrorMetrics.of(vae.setTiling(false).decode(z), want).maxAbs() > 0.1, p + "untiled differs");

                INDArray moments = vae.setTiling(true).encode(io.load("in." + p + "image")).moments();
                INDArray wantMoments = io.load("out." + p + "moments");
                assertArrayEquals(wantMoments.shape(), moments.shape(), p);
                assertTrue(ErrorMetrics.of(moments, wantMoments).maxAbs() < 1e-4, p + "moments: " + ErrorMetrics.of(moments, wantMoments));
            }
        }
    }
}
