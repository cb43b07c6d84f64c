package dev.udadiffusion.diffusion.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.parity.ErrorMetrics;
import dev.udadiffusion.core.testing.TestData;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class VaeTilingTest {

    static INDArray nearest(INDArray t, int f) {
        long b = t.size(0), c = t.size(1), h = t.size(2), w = t.size(3);
        INDArray out = Nd4j.create(t.dataType(), b, c, h * f, w * f);
        for (int i = 0; i < h * f; i++)
            for (int j = 0; j < w * f; j++)
                out.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(i), org.nd4j.linalg.indexing.NDArrayIndex.point(j))
                        .assign(t.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                                org.nd4j.linalg.indexing.NDArrayIndex.point(i / f), org.nd4j.linalg.indexing.NDArrayIndex.point(j / f)));
        return out;
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

    @Test
    void tiledVaeDecodeUsesUnblendedFirstTileVerbatim() {
        AutoencoderKLConfig c = AutoencoderKLConfig.read(TestData.reference("vae_tiny").resolve("config.json"));
        // sample_size 128 -> latent tile 16, stride 12, blend 32 px, row limit 96 px; a 24x20 latent needs 2x2 tiles
        try (AutoencoderKL vae = AutoencoderKL.load(c, TestData.reference("vae_tiny").resolve("weights.safetensors"))) {
            INDArray z = Nd4j.rand(DataType.FLOAT, 1, 4, 24, 20).subi(0.5f);
            INDArray full = vae.decode(z);
            INDArray tiled = vae.setTiling(true).decode(z);
            assertArrayEquals(full.shape(), tiled.shape());
            INDArray firstTile = vae.setTiling(false).decode(z.get(NDArrayIndex.all(), NDArrayIndex.all(),
                    NDArrayIndex.interval(0, 16), NDArrayIndex.interval(0, 16)).dup());
            INDArray a = tiled.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, 96), NDArrayIndex.interval(0, 96));
            INDArray b = firstTile.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, 96), NDArrayIndex.interval(0, 96));
            assertEquals(0.0, ErrorMetrics.of(a, b).maxAbs(), 0.0);
            assertTrue(ErrorMetrics.of(tiled, full).maxAbs() > 0, "tiling ran");
        }
    }
}
