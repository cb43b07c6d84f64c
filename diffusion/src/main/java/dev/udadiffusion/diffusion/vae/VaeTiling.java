package dev.udadiffusion.diffusion.vae;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * diffusers' tiled VAE encode/decode: the input is cut into overlapping square tiles (stride = tile × (1 − overlap)),
 * each tile is processed on its own, and each output tile is blended linearly into its upper and left neighbours over
 * {@code blendExtent} rows/columns (in place, so later blends see blended neighbours, as in diffusers), then cropped
 * to {@code rowLimit} and concatenated. Memory is bounded by one tile whatever the image size; results differ slightly
 * from untiled processing near tile borders.
 */
public final class VaeTiling {

    private VaeTiling() {
    }

    /**
     * @param x        input [B, C, H, W]
     * @param tileIn   input tile size (latent tile for decode, image tile for encode)
     * @param tileOut  output size of a full tile
     * @param overlap  overlap factor (diffusers: 0.25)
     * @param fn       processes one tile
     */
    public static INDArray tiled(INDArray x, int tileIn, int tileOut, double overlap, UnaryOperator<INDArray> fn) {
        int stride = (int) (tileIn * (1 - overlap));
        int blendExtent = (int) (tileOut * overlap);
        int rowLimit = tileOut - blendExtent;
        long h = x.size(2);
        long w = x.size(3);
        List<List<INDArray>> rows = new ArrayList<>();
        for (long i = 0; i < h; i += stride) {
            List<INDArray> row = new ArrayList<>();
            for (long j = 0; j < w; j += stride) {
                INDArray tile = x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(i, Math.min(h, i + tileIn)),
                        NDArrayIndex.interval(j, Math.min(w, j + tileIn))).dup('c');
                row.add(fn.apply(tile).dup('c'));
            }
            rows.add(row);
        }
        List<INDArray> resultRows = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            List<INDArray> row = rows.get(i);
            List<INDArray> parts = new ArrayList<>();
            for (int j = 0; j < row.size(); j++) {
                INDArray tile = row.get(j);
                if (i > 0) {
                    blendV(rows.get(i - 1).get(j), tile, blendExtent);
                }
                if (j > 0) {
                    blendH(row.get(j - 1), tile, blendExtent);
                }
                parts.add(tile.get(NDArrayIndex.all(), NDArrayIndex.all(),
                        NDArrayIndex.interval(0, Math.min(rowLimit, tile.size(2))),
                        NDArrayIndex.interval(0, Math.min(rowLimit, tile.size(3)))));
            }
            resultRows.add(Nd4j.concat(3, parts.toArray(new INDArray[0])));
        }
        return Nd4j.concat(2, resultRows.toArray(new INDArray[0]));
    }

    /** b[:, :, y, :] = a[:, :, −e + y, :]·(1 − y/e) + b[:, :, y, :]·(y/e) for y &lt; e, in place. */
    static void blendV(INDArray a, INDArray b, int extent) {
        int e = (int) Math.min(Math.min(a.size(2), b.size(2)), extent);
        for (int y = 0; y < e; y++) {
            double t = (double) y / e;
            INDArray by = b.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(y), NDArrayIndex.all());
            INDArray ay = a.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(a.size(2) - e + y), NDArrayIndex.all());
            by.assign(ay.mul(1 - t).addi(by.mul(t)));
        }
    }

    /** The same along the width. */
    static void blendH(INDArray a, INDArray b, int extent) {
        int e = (int) Math.min(Math.min(a.size(3), b.size(3)), extent);
        for (int x = 0; x < e; x++) {
            double t = (double) x / e;
            INDArray bx = b.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(x));
            INDArray ax = a.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(a.size(3) - e + x));
            bx.assign(ax.mul(1 - t).addi(bx.mul(t)));
        }
    }
}
