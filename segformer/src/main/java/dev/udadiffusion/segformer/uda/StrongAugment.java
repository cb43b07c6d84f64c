package dev.udadiffusion.segformer.uda;

import dev.udadiffusion.core.random.Rng;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DACS's strong augmentation of a mixed image (DAFormer's {@code strong_transform} after {@code one_mix}): colour
 * jitter on the de-normalised image ({@link ColorJitter}), then a Gaussian blur of the normalised one (kornia's
 * {@code GaussianBlur2d}: kernel about a tenth of each side, reflect padding). Whether each applies is drawn once per
 * iteration; the jitter factors and the blur's σ ∈ U(0.15, 1.15) are drawn per image, as the reference does.
 */
public final class StrongAugment {

    /** ImageNet mean and std in 0…255 units (mmseg's img_norm_cfg, the one SegFormer inputs use). */
    static final double[] MEAN = {123.675, 116.28, 103.53};
    static final double[] STD = {58.395, 57.12, 57.375};

    /**
     * @param jitterStrength kornia's brightness/contrast/saturation/hue strength (DAFormer: 0.2)
     * @param jitterProbability the reference's {@code color_jitter_probability}, used as a threshold: the iteration
     *     jitters when its U(0, 1) draw exceeds it (DAFormer: 0.2, so 80 % of iterations jitter)
     * @param blur whether blur may apply (then in half of the iterations)
     */
    public record Settings(double jitterStrength, double jitterProbability, boolean blur) {
        public static final Settings DAFORMER = new Settings(0.2, 0.2, true);
        public static final Settings OFF = new Settings(0, 1, false);
    }

    /** One image's augmentation: the jitter draw (null: none) and the blur's σ (0: none). */
    public record Draw(ColorJitter.Draw jitter, double blurSigma) {
    }

    private StrongAugment() {
    }

    /** The draws of one iteration for {@code batch} images (the reference's two per-iteration uniforms, then per image). */
    public static List<Draw> draw(int batch, Settings s, Rng rng) {
        double jitterU = rng.nextDouble();
        double blurU = s.blur() ? rng.nextDouble() : 0;
        List<Draw> out = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            ColorJitter.Draw j = jitterU > s.jitterProbability() ? ColorJitter.Draw.sample(s.jitterStrength(), rng) : null;
            double sigma = blurU > 0.5 ? 0.15 + rng.nextDouble() : 0;
            out.add(new Draw(j, sigma));
        }
        return out;
    }

    /** The augmented copy of a normalised image [3, H, W] (or [1, 3, H, W]). */
    public static INDArray apply(INDArray normalised, Draw d) {
        long[] shape = normalised.shape();
        int h = (int) shape[shape.length - 2];
        int w = (int) shape[shape.length - 1];
        int n = h * w;
        float[] px = normalised.dup('c').data().asFloat();
        if (d.jitter() != null) {
            for (int c = 0; c < 3; c++) {
                for (int i = c * n; i < (c + 1) * n; i++) {
                    px[i] = (float) ((px[i] * STD[c] + MEAN[c]) / 255.0);
                }
            }
            ColorJitter.apply(px, n, d.jitter());
            for (int c = 0; c < 3; c++) {
                for (int i = c * n; i < (c + 1) * n; i++) {
                    px[i] = (float) ((px[i] * 255.0 - MEAN[c]) / STD[c]);
                }
            }
        }
        if (d.blurSigma() > 0) {
            px = blur(px, h, w, blurKernelSize(h), blurKernelSize(w), d.blurSigma());
        }
        return Nd4j.create(px, shape, 'c');
    }

    /** The Gaussian blur's kernel side for an image side: about a tenth of it, odd (floor(ceil(0.1s) − 0.5 + ceil(0.1s) mod 2)). */
    public static int blurKernelSize(int side) {
        double c = Math.ceil(0.1 * side);
        return (int) Math.floor(c - 0.5 + c % 2);
    }

    /** kornia's normalised Gaussian window of odd size {@code k}: exp(−x²/2σ²) at x = −k/2…k/2. */
    static float[] window(int k, double sigma) {
        float[] g = new float[k];
        float sum = 0;
        for (int i = 0; i < k; i++) {
            float x = i - k / 2;
            g[i] = (float) Math.exp(-(x * x) / (2 * sigma * sigma));
            sum += g[i];
        }
        for (int i = 0; i < k; i++) {
            g[i] /= sum;
        }
        return g;
    }

    /** Separable blur of planar channels [C, H, W] with reflect padding (torch's 'reflect': the edge is not repeated). */
    static float[] blur(float[] px, int h, int w, int ky, int kx, double sigma) {
        float[] gy = window(ky, sigma);
        float[] gx = window(kx, sigma);
        int channels = px.length / (h * w);
        float[] tmp = new float[px.length];
        float[] out = new float[px.length];
        for (int c = 0; c < channels; c++) {
            int base = c * h * w;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float s = 0;
                    for (int i = 0; i < kx; i++) {
                        s += gx[i] * px[base + y * w + reflect(x + i - kx / 2, w)];
                    }
                    tmp[base + y * w + x] = s;
                }
            }
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float s = 0;
                    for (int i = 0; i < ky; i++) {
                        s += gy[i] * tmp[base + reflect(y + i - ky / 2, h) * w + x];
                    }
                    out[base + y * w + x] = s;
                }
            }
        }
        return out;
    }

    private static int reflect(int i, int n) {
        if (i < 0) {
            return -i;
        }
        return i >= n ? 2 * (n - 1) - i : i;
    }
}
