package dev.udadiffusion.core.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Plain-loop reference implementations in double precision, written from the PyTorch definitions (the test oracle of
 * every graph block). Weights are in torch layout. Slow on purpose: no tricks to get wrong.
 */
final class Naive {

    private Naive() {
    }

    static double[] d(INDArray a) {
        return a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }

    /** conv2d NCHW; w [O, I, k, k]; zero padding (top, bottom, left, right). */
    static INDArray conv2d(INDArray x, INDArray w, INDArray b, int stride, int pt, int pb, int pl, int pr) {
        long n = x.size(0), c = x.size(1), h = x.size(2), wd = x.size(3);
        long o = w.size(0), k = w.size(2);
        long oh = (h + pt + pb - k) / stride + 1, ow = (wd + pl + pr - k) / stride + 1;
        double[] xs = d(x), ws = d(w), bs = b == null ? null : d(b);
        double[] out = new double[(int) (n * o * oh * ow)];
        for (int ni = 0; ni < n; ni++)
            for (int oi = 0; oi < o; oi++)
                for (int y = 0; y < oh; y++)
                    for (int xx = 0; xx < ow; xx++) {
                        double s = bs == null ? 0 : bs[oi];
                        for (int ci = 0; ci < c; ci++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++) {
                                    long iy = (long) y * stride + ky - pt, ix = (long) xx * stride + kx - pl;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                                    s += xs[(int) (((ni * c + ci) * h + iy) * wd + ix)]
                                            * ws[(int) (((oi * c + ci) * k + ky) * k + kx)];
                                }
                        out[(int) (((ni * o + oi) * oh + y) * ow + xx)] = s;
                    }
        return Nd4j.create(out, new long[] {n, o, oh, ow}, DataType.DOUBLE);
    }

    /** depthwise conv2d; w [C, 1, k, k]. */
    static INDArray depthwise(INDArray x, INDArray w, INDArray b, int stride, int pad) {
        long n = x.size(0), c = x.size(1), h = x.size(2), wd = x.size(3), k = w.size(2);
        long oh = (h + 2 * pad - k) / stride + 1, ow = (wd + 2 * pad - k) / stride + 1;
        double[] xs = d(x), ws = d(w), bs = b == null ? null : d(b);
        double[] out = new double[(int) (n * c * oh * ow)];
        for (int ni = 0; ni < n; ni++)
            for (int ci = 0; ci < c; ci++)
                for (int y = 0; y < oh; y++)
                    for (int xx = 0; xx < ow; xx++) {
                        double s = bs == null ? 0 : bs[ci];
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++) {
                                long iy = (long) y * stride + ky - pad, ix = (long) xx * stride + kx - pad;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                                s += xs[(int) (((ni * c + ci) * h + iy) * wd + ix)] * ws[(int) ((ci * k + ky) * k + kx)];
                            }
                        out[(int) (((ni * c + ci) * oh + y) * ow + xx)] = s;
                    }
        return Nd4j.create(out, new long[] {n, c, oh, ow}, DataType.DOUBLE);
    }

    /** y = x W^T + b over the last axis. */
    static INDArray linear(INDArray x, INDArray w, INDArray b) {
        long in = w.size(1), out = w.size(0);
        long m = x.length() / in;
        double[] xs = d(x), ws = d(w), bs = b == null ? null : d(b);
        double[] y = new double[(int) (m * out)];
        for (int r = 0; r < m; r++)
            for (int o = 0; o < out; o++) {
                double s = bs == null ? 0 : bs[o];
                for (int i = 0; i < in; i++) s += xs[(int) (r * in + i)] * ws[(int) (o * in + i)];
                y[(int) (r * out + o)] = s;
            }
        long[] shape = x.shape().clone();
        shape[shape.length - 1] = out;
        return Nd4j.create(y, shape, DataType.DOUBLE);
    }

    static INDArray groupNorm(INDArray x, int groups, double eps, INDArray w, INDArray b) {
        long n = x.size(0), c = x.size(1), sp = x.length() / (n * c), cg = c / groups;
        double[] xs = d(x), y = new double[xs.length];
        double[] ws = w == null ? null : d(w), bs = b == null ? null : d(b);
        for (int ni = 0; ni < n; ni++)
            for (int g = 0; g < groups; g++) {
                double mean = 0, var = 0;
                long cnt = cg * sp;
                for (long ci = g * cg; ci < (g + 1) * cg; ci++)
                    for (long s = 0; s < sp; s++) mean += xs[(int) ((ni * c + ci) * sp + s)];
                mean /= cnt;
                for (long ci = g * cg; ci < (g + 1) * cg; ci++)
                    for (long s = 0; s < sp; s++) {
                        double dlt = xs[(int) ((ni * c + ci) * sp + s)] - mean;
                        var += dlt * dlt;
                    }
                var /= cnt;
                for (long ci = g * cg; ci < (g + 1) * cg; ci++)
                    for (long s = 0; s < sp; s++) {
                        int idx = (int) ((ni * c + ci) * sp + s);
                        double v = (xs[idx] - mean) / Math.sqrt(var + eps);
                        y[idx] = ws == null ? v : v * ws[(int) ci] + bs[(int) ci];
                    }
            }
        return Nd4j.create(y, x.shape(), DataType.DOUBLE);
    }

    static INDArray layerNorm(INDArray x, double eps, INDArray w, INDArray b) {
        int dim = (int) x.size(x.rank() - 1);
        double[] xs = d(x), y = new double[xs.length], ws = d(w), bs = d(b);
        for (int r = 0; r < xs.length / dim; r++) {
            double mean = 0, var = 0;
            for (int i = 0; i < dim; i++) mean += xs[r * dim + i];
            mean /= dim;
            for (int i = 0; i < dim; i++) var += (xs[r * dim + i] - mean) * (xs[r * dim + i] - mean);
            var /= dim;
            for (int i = 0; i < dim; i++) y[r * dim + i] = (xs[r * dim + i] - mean) / Math.sqrt(var + eps) * ws[i] + bs[i];
        }
        return Nd4j.create(y, x.shape(), DataType.DOUBLE);
    }

    /** erf by Abramowitz–Stegun 7.1.26 is too coarse; use the continued series to double precision. */
    static double erf(double x) {
        return org.apache.commons.math3.special.Erf.erf(x);
    }

    static double gelu(double x) {
        return 0.5 * x * (1 + erf(x / Math.sqrt(2)));
    }

    static double quickGelu(double x) {
        return x / (1 + Math.exp(-1.702 * x));
    }

    static double silu(double x) {
        return x / (1 + Math.exp(-x));
    }

    static INDArray map(INDArray x, java.util.function.DoubleUnaryOperator f) {
        double[] v = d(x);
        for (int i = 0; i < v.length; i++) v[i] = f.applyAsDouble(v[i]);
        return Nd4j.create(v, x.shape(), DataType.DOUBLE);
    }

    /** GEGLU: proj → (h, gate) halves of the last axis → h·gelu(gate). */
    static INDArray geglu(INDArray x, INDArray w, INDArray b) {
        INDArray y = linear(x, w, b);
        long two = y.size(y.rank() - 1), out = two / 2, m = y.length() / two;
        double[] ys = d(y), r = new double[(int) (m * out)];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < out; j++) r[(int) (i * out + j)] = ys[(int) (i * two + j)] * gelu(ys[(int) (i * two + out + j)]);
        long[] shape = y.shape().clone();
        shape[shape.length - 1] = out;
        return Nd4j.create(r, shape, DataType.DOUBLE);
    }

    /** Multi-head attention: q [B, Tq, h·d], k, v [B, Tk, h·d]; mask [Tq, Tk] additive or null. */
    static INDArray attention(INDArray q, INDArray k, INDArray v, int heads, double scale, double[][] mask) {
        long bsz = q.size(0), tq = q.size(1), tk = k.size(1), hd = q.size(2), dh = hd / heads;
        double[] qs = d(q), ks = d(k), vs = d(v), out = new double[(int) (bsz * tq * hd)];
        for (int b = 0; b < bsz; b++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < tq; i++) {
                    double[] s = new double[(int) tk];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < tk; j++) {
                        double dot = 0;
                        for (int e = 0; e < dh; e++)
                            dot += qs[(int) ((b * tq + i) * hd + h * dh + e)] * ks[(int) ((b * tk + j) * hd + h * dh + e)];
                        s[j] = dot * scale + (mask == null ? 0 : mask[i][j]);
                        max = Math.max(max, s[j]);
                    }
                    double z = 0;
                    for (int j = 0; j < tk; j++) z += (s[j] = Math.exp(s[j] - max));
                    for (int e = 0; e < dh; e++) {
                        double acc = 0;
                        for (int j = 0; j < tk; j++) acc += s[j] / z * vs[(int) ((b * tk + j) * hd + h * dh + e)];
                        out[(int) ((b * tq + i) * hd + h * dh + e)] = acc;
                    }
                }
        return Nd4j.create(out, new long[] {bsz, tq, hd}, DataType.DOUBLE);
    }

    static INDArray nearest2x(INDArray x) {
        long n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        double[] xs = d(x), y = new double[(int) (n * c * 4 * h * w)];
        for (int p = 0; p < n * c; p++)
            for (int i = 0; i < 2 * h; i++)
                for (int j = 0; j < 2 * w; j++) y[(int) ((p * 2 * h + i) * 2 * w + j)] = xs[(int) ((p * h + i / 2) * w + j / 2)];
        return Nd4j.create(y, new long[] {n, c, 2 * h, 2 * w}, DataType.DOUBLE);
    }

    /** torch bilinear (upsample_bilinear2d) per output pixel, align_corners False or True. */
    static INDArray bilinear(INDArray x, int oh, int ow, boolean alignCorners) {
        long n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
        double[] xs = d(x), y = new double[(int) (n * c * oh * ow)];
        for (int p = 0; p < n * c; p++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++) {
                    double sy = src(i, h, oh, alignCorners), sx = src(j, w, ow, alignCorners);
                    int y0 = (int) sy, x0 = (int) sx;
                    int y1 = y0 < h - 1 ? y0 + 1 : y0, x1 = x0 < w - 1 ? x0 + 1 : x0;
                    double ly = sy - y0, lx = sx - x0;
                    double v = (1 - ly) * ((1 - lx) * xs[(int) ((p * h + y0) * w + x0)] + lx * xs[(int) ((p * h + y0) * w + x1)])
                            + ly * ((1 - lx) * xs[(int) ((p * h + y1) * w + x0)] + lx * xs[(int) ((p * h + y1) * w + x1)]);
                    y[(int) ((p * oh + i) * ow + j)] = v;
                }
        return Nd4j.create(y, new long[] {n, c, oh, ow}, DataType.DOUBLE);
    }

    private static double src(int dst, long in, int out, boolean alignCorners) {
        if (alignCorners) {
            return out > 1 ? dst * (double) (in - 1) / (out - 1) : 0;
        }
        double s = (dst + 0.5) * in / out - 0.5;
        return s < 0 ? 0 : s;
    }

    /** diffusers get_timestep_embedding in double. */
    static INDArray timestep(double[] t, int dim, boolean flip, double shift, double maxPeriod, double scale) {
        int half = dim / 2;
        double[] out = new double[t.length * dim];
        for (int b = 0; b < t.length; b++)
            for (int j = 0; j < half; j++) {
                double f = Math.exp(-Math.log(maxPeriod) * j / (half - shift));
                double a = scale * t[b] * f;
                out[b * dim + (flip ? half + j : j)] = Math.sin(a);
                out[b * dim + (flip ? j : half + j)] = Math.cos(a);
            }
        return Nd4j.create(out, new long[] {t.length, dim}, DataType.DOUBLE);
    }
}
