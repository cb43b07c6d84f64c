package dev.udadiffusion.segformer.eval;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Pixels for SegFormer as mmseg/DAFormer feed them: RGB, optionally resized (bilinear) to a fixed size, normalised
 * with the ImageNet mean (123.675, 116.28, 103.53) and std (58.395, 57.12, 57.375) on the 0–255 scale.
 */
public final class SegformerInput {

    static final double[] MEAN = {123.675, 116.28, 103.53};
    static final double[] STD = {58.395, 57.12, 57.375};

    private SegformerInput() {
    }

    /** Bilinear resize; the image itself when it already has the size or a size is 0. */
    public static BufferedImage resize(BufferedImage img, int width, int height) {
        if (width <= 0 || height <= 0 || (img.getWidth() == width && img.getHeight() == height)) {
            return img;
        }
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, width, height, null);
        g.dispose();
        return out;
    }

    /** [1, 3, H, W] float, normalised. */
    public static INDArray tensor(BufferedImage img) {
        int h = img.getHeight();
        int w = img.getWidth();
        float[] d = new float[3 * h * w];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = row[x];
                int[] rgb = {(p >> 16) & 0xFF, (p >> 8) & 0xFF, p & 0xFF};
                for (int c = 0; c < 3; c++) {
                    d[(c * h + y) * w + x] = (float) ((rgb[c] - MEAN[c]) / STD[c]);
                }
            }
        }
        return Nd4j.create(d, new long[] {1, 3, h, w}, 'c');
    }
}
