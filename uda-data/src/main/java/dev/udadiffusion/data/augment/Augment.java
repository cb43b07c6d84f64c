package dev.udadiffusion.data.augment;

import dev.udadiffusion.core.random.Rng;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Arrays;

/**
 * Paired augmentation of an image and its trainId map: random resized crop (area scale and aspect-ratio ranges, as
 * torchvision's RandomResizedCrop: up to 10 attempts, then a centre crop), horizontal flip, and photometric jitter
 * (brightness, contrast, saturation) on the image only. The geometry is identical for both; labels use nearest
 * neighbour, the image bilinear. All randomness comes from the caller's {@link Rng}.
 */
public final class Augment {

    /** An augmented pair. */
    public record Pair(BufferedImage image, int[][] labels) {
    }

    private Augment() {
    }

    public static Pair randomResizedCrop(BufferedImage img, int[][] labels, int outW, int outH, double minScale,
            double maxScale, double minRatio, double maxRatio, Rng rng) {
        int w = img.getWidth();
        int h = img.getHeight();
        if (labels.length != h || labels[0].length != w) {
            throw new IllegalArgumentException("label " + labels[0].length + "x" + labels.length + " does not match image "
                    + w + "x" + h);
        }
        int cw = w;
        int ch = h;
        int x0 = 0;
        int y0 = 0;
        boolean found = false;
        for (int attempt = 0; attempt < 10 && !found; attempt++) {
            double area = w * (double) h * (minScale + rng.nextDouble() * (maxScale - minScale));
            double logR = Math.log(minRatio) + rng.nextDouble() * (Math.log(maxRatio) - Math.log(minRatio));
            double ratio = Math.exp(logR);
            int tw = (int) Math.round(Math.sqrt(area * ratio));
            int th = (int) Math.round(Math.sqrt(area / ratio));
            if (tw > 0 && th > 0 && tw <= w && th <= h) {
                cw = tw;
                ch = th;
                x0 = rng.nextInt(w - tw + 1);
                y0 = rng.nextInt(h - th + 1);
                found = true;
            }
        }
        if (!found) { // centre crop at the closest allowed ratio
            double r = (double) w / h;
            if (r < minRatio) {
                ch = (int) Math.round(w / minRatio);
            } else if (r > maxRatio) {
                cw = (int) Math.round(h * maxRatio);
            }
            x0 = (w - cw) / 2;
            y0 = (h - ch) / 2;
        }
        return crop(img, labels, x0, y0, cw, ch, outW, outH);
    }

    /** Crops a window and resizes it to outW×outH (image bilinear, labels nearest; null labels: an unlabeled image). */
    public static Pair crop(BufferedImage img, int[][] labels, int x0, int y0, int cw, int ch, int outW, int outH) {
        BufferedImage out = new BufferedImage(outW, outH, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, outW, outH, x0, y0, x0 + cw, y0 + ch, null);
        g.dispose();
        if (labels == null) {
            return new Pair(out, null);
        }
        int[][] lab = new int[outH][outW];
        for (int y = 0; y < outH; y++) {
            int sy = y0 + Math.min(ch - 1, (int) ((y + 0.5) * ch / outH));
            for (int x = 0; x < outW; x++) {
                lab[y][x] = labels[sy][x0 + Math.min(cw - 1, (int) ((x + 0.5) * cw / outW))];
            }
        }
        return new Pair(out, lab);
    }

    /**
     * mmcv's keep-ratio resize to {@code scaleW×scaleH}: factor min(long edge limit / long edge, short limit / short
     * edge), sizes int(x·f + 0.5); image bilinear, labels nearest. GTA5 1914×1052 at (1280, 720) → 1280×704.
     */
    public static Pair resizeKeepRatio(BufferedImage img, int[][] labels, int scaleW, int scaleH) {
        int w = img.getWidth();
        int h = img.getHeight();
        double f = Math.min((double) Math.max(scaleW, scaleH) / Math.max(w, h), (double) Math.min(scaleW, scaleH) / Math.min(w, h));
        int nw = (int) (w * f + 0.5);
        int nh = (int) (h * f + 0.5);
        return nw == w && nh == h ? new Pair(img, labels) : crop(img, labels, 0, 0, w, h, nw, nh);
    }

    /**
     * mmseg's {@code RandomCrop}: a uniformly placed cw×ch window (no rescaling); with {@code catMaxRatio} < 1, up to 10
     * placements are tried until the crop holds more than one labelled class and none covers catMaxRatio or more of
     * its labelled pixels. A smaller image is padded (image 0, labels 255) to the crop size. Null labels (an unlabeled
     * image): one uniform placement.
     */
    public static Pair randomCrop(BufferedImage img, int[][] labels, int cw, int ch, double catMaxRatio, Rng rng) {
        int w = img.getWidth();
        int h = img.getHeight();
        int x0 = rng.nextInt(Math.max(w - cw, 0) + 1);
        int y0 = rng.nextInt(Math.max(h - ch, 0) + 1);
        if (catMaxRatio < 1 && labels != null) {
            for (int i = 0; i < 10; i++) {
                long[] cnt = new long[256];
                for (int y = y0; y < Math.min(y0 + ch, h); y++) {
                    for (int x = x0; x < Math.min(x0 + cw, w); x++) {
                        int v = labels[y][x];
                        if (v >= 0 && v < 255) {
                            cnt[v]++;
                        }
                    }
                }
                long sum = 0;
                long max = 0;
                int classes = 0;
                for (long c : cnt) {
                    sum += c;
                    max = Math.max(max, c);
                    classes += c > 0 ? 1 : 0;
                }
                if (classes > 1 && (double) max / sum < catMaxRatio) {
                    break;
                }
                x0 = rng.nextInt(Math.max(w - cw, 0) + 1);
                y0 = rng.nextInt(Math.max(h - ch, 0) + 1);
            }
        }
        BufferedImage out = new BufferedImage(cw, ch, BufferedImage.TYPE_INT_RGB); // black padding
        int[][] lab = labels == null ? null : new int[ch][cw];
        for (int y = 0; lab != null && y < ch; y++) {
            Arrays.fill(lab[y], 255);
        }
        int vw = Math.min(cw, w - x0);
        int vh = Math.min(ch, h - y0);
        int[] row = new int[vw];
        for (int y = 0; y < vh; y++) {
            img.getRGB(x0, y0 + y, vw, 1, row, 0, vw);
            out.setRGB(0, y, vw, 1, row, 0, vw);
            if (lab != null) {
                System.arraycopy(labels[y0 + y], x0, lab[y], 0, vw);
            }
        }
        return new Pair(out, lab);
    }

    /** Mirrors both (or the image alone when its labels are null) with probability 1/2. */
    public static Pair randomFlip(Pair p, Rng rng) {
        if (rng.nextDouble() >= 0.5) {
            return p;
        }
        int w = p.image().getWidth();
        int h = p.image().getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[][] lab = p.labels() == null ? null : new int[h][w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                out.setRGB(w - 1 - x, y, p.image().getRGB(x, y));
                if (lab != null) {
                    lab[y][w - 1 - x] = p.labels()[y][x];
                }
            }
        }
        return new Pair(out, lab);
    }

    /** Brightness, contrast and saturation factors drawn from [1 − s, 1 + s], applied to the image. */
    public static BufferedImage jitter(BufferedImage img, double strength, Rng rng) {
        double b = 1 + (2 * rng.nextDouble() - 1) * strength;
        double c = 1 + (2 * rng.nextDouble() - 1) * strength;
        double s = 1 + (2 * rng.nextDouble() - 1) * strength;
        int w = img.getWidth();
        int h = img.getHeight();
        double mean = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = img.getRGB(x, y);
                mean += 0.299 * ((p >> 16) & 255) + 0.587 * ((p >> 8) & 255) + 0.114 * (p & 255);
            }
        }
        mean /= (double) w * h;
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = img.getRGB(x, y);
                double[] rgb = {(p >> 16) & 255, (p >> 8) & 255, p & 255};
                double grey = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
                int v = 0;
                for (int k = 0; k < 3; k++) {
                    double q = rgb[k] * b;
                    q = (q - mean * b) * c + mean * b;
                    q = grey * b + (q - grey * b) * s;
                    v = (v << 8) | (int) Math.max(0, Math.min(255, Math.round(q)));
                }
                out.setRGB(x, y, v);
            }
        }
        return out;
    }

    /**
     * Photometric degradation toward camera images: with probability ½ a Gaussian blur (σ uniform in [0.4, 1.2] px),
     * then with probability ½ Gaussian sensor noise (σ uniform in [1, 10] grey levels). The fair "source-only with
     * augmentation" baseline uses it together with {@link #jitter}.
     */
    public static BufferedImage blurNoise(BufferedImage img, Rng rng) {
        BufferedImage out = img;
        if (rng.nextDouble() < 0.5) {
            out = blur(out, 0.4 + 0.8 * rng.nextDouble());
        }
        if (rng.nextDouble() < 0.5) {
            out = noise(out, 1 + 9 * rng.nextDouble(), rng);
        }
        return out;
    }

    /** Separable Gaussian blur with standard deviation {@code sigma} pixels (kernel radius ⌈3σ⌉, edges clamped). */
    public static BufferedImage blur(BufferedImage img, double sigma) {
        int r = Math.max(1, (int) Math.ceil(3 * sigma));
        double[] k = gaussianKernel(sigma, r);
        int w = img.getWidth();
        int h = img.getHeight();
        double[][][] tmp = new double[3][h][w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int i = -r; i <= r; i++) {
                    int p = img.getRGB(Math.min(w - 1, Math.max(0, x + i)), y);
                    tmp[0][y][x] += k[i + r] * ((p >> 16) & 255);
                    tmp[1][y][x] += k[i + r] * ((p >> 8) & 255);
                    tmp[2][y][x] += k[i + r] * (p & 255);
                }
            }
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = 0;
                for (int c = 0; c < 3; c++) {
                    double q = 0;
                    for (int i = -r; i <= r; i++) {
                        q += k[i + r] * tmp[c][Math.min(h - 1, Math.max(0, y + i))][x];
                    }
                    v = (v << 8) | (int) Math.max(0, Math.min(255, Math.round(q)));
                }
                out.setRGB(x, y, v);
            }
        }
        return out;
    }

    /** Independent Gaussian noise of standard deviation {@code sigma} grey levels per pixel and channel. */
    public static BufferedImage noise(BufferedImage img, double sigma, Rng rng) {
        int w = img.getWidth();
        int h = img.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = img.getRGB(x, y);
                int v = 0;
                for (int shift = 16; shift >= 0; shift -= 8) {
                    double q = ((p >> shift) & 255) + sigma * rng.nextGaussian();
                    v = (v << 8) | (int) Math.max(0, Math.min(255, Math.round(q)));
                }
                out.setRGB(x, y, v);
            }
        }
        return out;
    }

    /** Normalised 1-D Gaussian weights for offsets −radius … radius. */
    public static double[] gaussianKernel(double sigma, int radius) {
        double[] k = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            k[i + radius] = Math.exp(-i * i / (2 * sigma * sigma));
            sum += k[i + radius];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        return k;
    }
}
