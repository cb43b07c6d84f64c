package dev.udadiffusion.core.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.udadiffusion.core.state.Params;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Every building block against its plain-loop double-precision oracle, and its gradients against finite differences. */
class BlocksTest {

    private final SameDiff sd = Graphs.newSameDiff();
    private final Params p = Params.init(sd, DataType.DOUBLE, 11);

    static INDArray rand(long... shape) {
        Nd4j.getRandom().setSeed(shape.length * 31L + shape[shape.length - 1]);
        return Nd4j.rand(DataType.DOUBLE, shape).subi(0.5).muli(2);
    }

    static void assertClose(INDArray expected, INDArray got, double tol) {
        assertArrayEquals(expected.shape(), got.shape(), "shape");
        double max = org.nd4j.linalg.ops.transforms.Transforms.abs(expected.castTo(DataType.DOUBLE).sub(got.castTo(DataType.DOUBLE))).maxNumber().doubleValue();
        assertTrue(max <= tol, "max abs error " + max + " > " + tol);
    }

    private INDArray run(SDVariable y) {
        return sd.output(Map.of(), y.name()).get(y.name());
    }

    private void randomize(String... keys) {
        for (String k : keys) {
            INDArray a = sd.getArrForVarName(k);
            a.assign(rand(a.shape()).muli(0.5).addi(k.endsWith("weight") ? 1 : 0));
        }
    }

    @Test
    void conv2dStride1And2AndAsymmetricPad() {
        INDArray xv = rand(2, 3, 7, 6);
        SDVariable x = sd.var("x", xv);
        SDVariable y1 = Conv2d.forward(p, "c1", x, 3, 4, 3, 1, 1, true);
        SDVariable y2 = Conv2d.forward(p, "c2", x, 3, 5, 3, 2, 1, true);
        SDVariable y3 = Conv2d.forward(p, "c3", Conv2d.pad(sd, x, 0, 1, 0, 1), 3, 2, 3, 2, 0, false);
        SDVariable y4 = Conv2d.forward(p, "c4", x, 3, 2, 1, 1, 0, true);
        assertClose(Naive.conv2d(xv, p.torchValue("c1.weight"), p.torchValue("c1.bias"), 1, 1, 1, 1, 1), run(y1), 1e-12);
        assertClose(Naive.conv2d(xv, p.torchValue("c2.weight"), p.torchValue("c2.bias"), 2, 1, 1, 1, 1), run(y2), 1e-12);
        assertClose(Naive.conv2d(xv, p.torchValue("c3.weight"), null, 2, 0, 1, 0, 1), run(y3), 1e-12);
        assertClose(Naive.conv2d(xv, p.torchValue("c4.weight"), p.torchValue("c4.bias"), 1, 0, 0, 0, 0), run(y4), 1e-12);
        GradCheck.check(sd, y2, Map.of(), List.of("x", "c2.weight", "c2.bias"), 8);
        GradCheck.check(sd, y3, Map.of(), List.of("x", "c3.weight"), 8);
    }

    @Test
    void depthwiseConv() {
        INDArray xv = rand(2, 4, 6, 5);
        SDVariable y = DepthwiseConv2d.forward(p, "dw", sd.var("x", xv), 4, 3, 1, 1, true);
        assertClose(Naive.depthwise(xv, p.torchValue("dw.weight"), p.torchValue("dw.bias"), 1, 1), run(y), 1e-12);
        GradCheck.check(sd, y, Map.of(), List.of("x", "dw.weight", "dw.bias"), 8);
    }

    @Test
    void linearRank2AndRank3WithDynamicBatch() {
        INDArray xv = rand(3, 5, 6);
        SDVariable ph = sd.placeHolder("in", DataType.DOUBLE, -1, 5, 6);
        SDVariable y = Linear.forward(p, "fc", ph, 3, 6, 4, true);
        INDArray got = sd.output(Map.of("in", xv), y.name()).get(y.name());
        assertClose(Naive.linear(xv, p.torchValue("fc.weight"), p.torchValue("fc.bias")), got, 1e-12);
        INDArray x1 = xv.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)).dup();
        assertClose(Naive.linear(x1, p.torchValue("fc.weight"), p.torchValue("fc.bias")),
                sd.output(Map.of("in", x1), y.name()).get(y.name()), 1e-12);
        INDArray x2v = rand(4, 6);
        SDVariable y2 = Linear.forward(p, "fc2", sd.var("x2", x2v), 2, 6, 3, false);
        assertClose(Naive.linear(x2v, p.torchValue("fc2.weight"), null), run(y2), 1e-12);
        SDVariable x3 = sd.var("x3", xv);
        SDVariable y3 = Linear.forward(p, "fc", x3, 3, 6, 4, true);
        GradCheck.check(sd, y3, Map.of("in", xv), List.of("x3", "fc.weight", "fc.bias"), 8);
    }

    @Test
    void groupNormRank4AndRank3IncludingTinyVariance() {
        INDArray xv = rand(2, 8, 3, 5);
        SDVariable y = GroupNorm.of(4, 8, 1e-6).forward(p, "gn", sd.var("x", xv), 4);
        randomize("gn.weight", "gn.bias");
        assertClose(Naive.groupNorm(xv, 4, 1e-6, p.torchValue("gn.weight"), p.torchValue("gn.bias")), run(y), 1e-10);
        INDArray small = rand(1, 4, 6).muli(1e-3).addi(3.0);
        SDVariable y3 = GroupNorm.of(2, 4, 1e-5).forward(p, "gn3", sd.var("xs", small), 3);
        randomize("gn3.weight", "gn3.bias");
        assertClose(Naive.groupNorm(small, 2, 1e-5, p.torchValue("gn3.weight"), p.torchValue("gn3.bias")), run(y3), 1e-9);
        GradCheck.check(sd, y, Map.of(), List.of("x", "gn.weight", "gn.bias"), 8);
        // static spatial shape (the fast reshape path) and no affine; the mean is far larger than the spread
        INDArray big = rand(2, 6, 4, 3).muli(1e-2).addi(50.0);
        SDVariable ys = new GroupNorm(3, 6, 1e-5, false).forward(p, "gns", sd.var("xb", big), new Size2d(4, 3));
        assertClose(Naive.groupNorm(big, 3, 1e-5, null, null), run(ys), 1e-8);
        GradCheck.check(sd, ys, Map.of(), List.of("xb"), 8);
        // static sizes with the affine (inference graphs take per-channel statistics), at rank 4 and rank 3
        SDVariable ya = GroupNorm.of(4, 8, 1e-6).forward(p, "gna", sd.var("xa", xv), new Size2d(3, 5));
        randomize("gna.weight", "gna.bias");
        assertClose(Naive.groupNorm(xv, 4, 1e-6, p.torchValue("gna.weight"), p.torchValue("gna.bias")), run(ya), 1e-10);
        SDVariable ya3 = GroupNorm.of(2, 4, 1e-5).forward(p, "gna3", sd.var("xa3", small), 3, 6);
        randomize("gna3.weight", "gna3.bias");
        assertClose(Naive.groupNorm(small, 2, 1e-5, p.torchValue("gna3.weight"), p.torchValue("gna3.bias")), run(ya3),
                1e-9);
        GradCheck.check(sd, ya, Map.of(), List.of("xa", "gna.weight", "gna.bias"), 8);
    }

    @Test
    void trainingFormsOfTheNormsMatchTheOracleAndFiniteDifferences() {
        SameDiff t = Graphs.newTrainingSameDiff();
        assertTrue(Graphs.isTraining(t) && !Graphs.isTraining(sd));
        Params tp = Params.init(t, DataType.DOUBLE, 12);
        INDArray xv = rand(2, 8, 3, 5);
        SDVariable y = GroupNorm.of(4, 8, 1e-6).forward(tp, "gn", t.var("x", xv), new Size2d(3, 5));
        INDArray big = rand(2, 6, 4, 3).muli(1e-2).addi(50.0); // mean far larger than the spread
        SDVariable ys = new GroupNorm(3, 6, 1e-5, false).forward(tp, "gns", t.var("xb", big), new Size2d(4, 3));
        INDArray lx = rand(2, 3, 16).muli(1e-3).addi(0.7);
        SDVariable yl = LayerNorm.forward(tp, "ln", t.var("lx", lx), 3, 16, 1e-5);
        // the graph is still known as a training graph once it has ops (SameDiff's hash follows its contents), and
        // every norm took the RowOps form: no product with an rsqrt operand (the broadcasting forms' signature)
        assertTrue(Graphs.isTraining(t));
        assertTrue(t.variableMap().keySet().stream().anyMatch(n -> n.startsWith("rowops_")));
        assertEquals(List.of(), Arrays.stream(t.ops()).filter(o -> o.opName().equals("multiply"))
                .filter(o -> Arrays.stream(o.args()).anyMatch(a -> a.name().startsWith("rsqrt"))).map(o -> o.getOwnName()).toList());
        for (String k : List.of("gn.weight", "gn.bias", "ln.weight", "ln.bias")) {
            INDArray a = t.getArrForVarName(k);
            a.assign(rand(a.shape()).muli(0.5).addi(k.endsWith("weight") ? 1 : 0));
        }
        assertClose(Naive.groupNorm(xv, 4, 1e-6, tp.torchValue("gn.weight"), tp.torchValue("gn.bias")),
                t.output(Map.of(), y.name()).get(y.name()), 1e-10);
        assertClose(Naive.groupNorm(big, 3, 1e-5, null, null), t.output(Map.of(), ys.name()).get(ys.name()), 1e-8);
        assertClose(Naive.layerNorm(lx, 1e-5, tp.torchValue("ln.weight"), tp.torchValue("ln.bias")),
                t.output(Map.of(), yl.name()).get(yl.name()), 1e-9);
        GradCheck.check(t, y, Map.of(), List.of("x", "gn.weight", "gn.bias"), 8);
        GradCheck.check(t, ys, Map.of(), List.of("xb"), 8);
        GradCheck.check(t, yl, Map.of(), List.of("lx", "ln.weight", "ln.bias"), 8);
    }

    @Test
    void layerNormWithEpsOnSmallVarianceInput() {
        INDArray xv = rand(2, 3, 16).muli(1e-3).addi(0.7);
        SDVariable y = LayerNorm.forward(p, "ln", sd.var("x", xv), 3, 16, 1e-5);
        randomize("ln.weight", "ln.bias");
        assertClose(Naive.layerNorm(xv, 1e-5, p.torchValue("ln.weight"), p.torchValue("ln.bias")), run(y), 1e-9);
        INDArray x2 = rand(4, 8);
        SDVariable y2 = LayerNorm.forward(p, "ln2", sd.var("x2", x2), 2, 8, 1e-6);
        randomize("ln2.weight", "ln2.bias");
        assertClose(Naive.layerNorm(x2, 1e-6, p.torchValue("ln2.weight"), p.torchValue("ln2.bias")), run(y2), 1e-10);
        GradCheck.check(sd, y2, Map.of(), List.of("x2", "ln2.weight", "ln2.bias"), 8);
    }

    @Test
    void activations() {
        INDArray xv = rand(3, 7).muli(4);
        SDVariable x = sd.var("x", xv);
        SDVariable g = Activations.gelu(sd, x);
        SDVariable q = Activations.quickGelu(sd, x);
        SDVariable s = Activations.silu(sd, x);
        assertClose(Naive.map(xv, Naive::gelu), run(g), 1e-12);
        assertClose(Naive.map(xv, Naive::quickGelu), run(q), 1e-12);
        assertClose(Naive.map(xv, Naive::silu), run(s), 1e-12);
        GradCheck.check(sd, sd.concat(1, g, q, s), Map.of(), List.of("x"), 21);
    }

    @Test
    void geglu() {
        INDArray xv = rand(2, 5, 6);
        SDVariable y = GEGLU.forward(p, "ff.net.0", sd.var("x", xv), 3, 6, 8);
        assertClose(Naive.geglu(xv, p.torchValue("ff.net.0.proj.weight"), p.torchValue("ff.net.0.proj.bias")), run(y), 1e-12);
        GradCheck.check(sd, y, Map.of(), List.of("x", "ff.net.0.proj.weight", "ff.net.0.proj.bias"), 8);
    }

    /** One token of one sample (a 1×1 U-Net level at batch 1): strided_slice_bp fails on a leading dim of 1. */
    @Test
    void gegluSingleRow() {
        INDArray xv = rand(1, 1, 6);
        SDVariable y = GEGLU.forward(p, "ff.net.0", sd.var("x", xv), 3, 6, 8, new long[] {1});
        assertClose(Naive.geglu(xv, p.torchValue("ff.net.0.proj.weight"), p.torchValue("ff.net.0.proj.bias")), run(y), 1e-12);
        GradCheck.check(sd, y, Map.of(), List.of("x", "ff.net.0.proj.weight", "ff.net.0.proj.bias"), 6);
    }

    @Test
    void attentionSelfAndCrossChunkedAndMasked() {
        int heads = 2, dh = 3, c = heads * dh;
        INDArray qv = rand(2, 10, c), kv = rand(2, 7, c).muli(1.3), vv = rand(2, 7, c).muli(0.7);
        SDVariable q = sd.var("q", qv), k = sd.var("k", kv), v = sd.var("v", vv);
        double scale = 1 / Math.sqrt(dh);
        SDVariable whole = Attention.multiHead(sd, q, k, v, heads, dh, scale, -1, 0, null);
        SDVariable chunked = Attention.multiHead(sd, q, k, v, heads, dh, scale, 10, 4, null);
        INDArray exp = Naive.attention(qv, kv, vv, heads, scale, null);
        assertClose(exp, run(whole), 1e-12);
        assertClose(exp, run(chunked), 1e-12);
        // causal self-attention as CLIP uses it
        double[][] causal = new double[10][10];
        for (int i = 0; i < 10; i++) for (int j = i + 1; j < 10; j++) causal[i][j] = -1e9;
        SDVariable mask = sd.constant(Nd4j.create(causal).reshape(1, 1, 10, 10));
        SDVariable masked = Attention.multiHead(sd, q, q, q, heads, dh, scale, 10, 3, mask);
        assertClose(Naive.attention(qv, qv, qv, heads, scale, causal), run(masked), 1e-12);
        GradCheck.check(sd, sd.concat(1, chunked, masked), Map.of(), List.of("q", "k", "v"), 10);
    }

    @Test
    void diffusersAttentionModuleNamesAndCrossContext() {
        INDArray xv = rand(2, 5, 8), cv = rand(2, 3, 6);
        SDVariable y = Attention.forward(p, "attn2", sd.var("x", xv), sd.var("ctx", cv), 8, 6, 2, 4, false, 5);
        assertTrue(p.specs().keySet().containsAll(List.of("attn2.to_q.weight", "attn2.to_k.weight", "attn2.to_v.weight",
                "attn2.to_out.0.weight", "attn2.to_out.0.bias")));
        assertTrue(!p.specs().containsKey("attn2.to_q.bias"));
        INDArray q = Naive.linear(xv, p.torchValue("attn2.to_q.weight"), null);
        INDArray k = Naive.linear(cv, p.torchValue("attn2.to_k.weight"), null);
        INDArray v = Naive.linear(cv, p.torchValue("attn2.to_v.weight"), null);
        INDArray o = Naive.linear(Naive.attention(q, k, v, 2, 0.5, null), p.torchValue("attn2.to_out.0.weight"),
                p.torchValue("attn2.to_out.0.bias"));
        assertClose(o, run(y), 1e-12);
        GradCheck.check(sd, y, Map.of(), List.of("x", "ctx", "attn2.to_q.weight", "attn2.to_v.weight", "attn2.to_out.0.bias"), 6);
    }

    @Test
    void nearestUpsampling() {
        INDArray xv = rand(2, 3, 3, 4);
        SDVariable y = Upsample.nearest2x(sd, sd.var("x", xv));
        assertClose(Naive.nearest2x(xv), run(y), 0);
        GradCheck.check(sd, y, Map.of(), List.of("x"), 12);
    }

    @Test
    void bilinearUpDownNonSquareBothCornerModes() {
        INDArray xv = rand(2, 3, 5, 7);
        SDVariable x = sd.var("x", xv);
        SDVariable up = Resize.bilinear(sd, x, 5, 7, 12, 9, false);
        SDVariable down = Resize.bilinear(sd, x, 5, 7, 3, 4, false);
        SDVariable ac = Resize.bilinear(sd, x, 5, 7, 8, 11, true);
        assertClose(Naive.bilinear(xv, 12, 9, false), run(up), 1e-12);
        assertClose(Naive.bilinear(xv, 3, 4, false), run(down), 1e-12);
        assertClose(Naive.bilinear(xv, 8, 11, true), run(ac), 1e-12);
        GradCheck.check(sd, up, Map.of(), List.of("x"), 15);
        GradCheck.check(sd, down, Map.of(), List.of("x"), 15);
    }

    @Test
    void sinusoidalTimestepEmbedding() {
        double[] t = {0, 1, 981, 999, 14.6146, 500.5};
        SDVariable tv = sd.constant(Nd4j.create(t));
        SDVariable e = Timesteps.sinusoidal(sd, tv, 32, true, 0, 10000, 1, DataType.DOUBLE);
        SDVariable e2 = Timesteps.sinusoidal(sd, tv, 9, false, 1, 10000, 2.0, DataType.DOUBLE);
        // float32 frequencies vs the double oracle: arguments up to ~1000 rad, so allow float32 rounding of f
        assertClose(Naive.timestep(t, 32, true, 0, 10000, 1), run(e), 2e-4);
        INDArray odd = run(e2);
        assertArrayEquals(new long[] {6, 9}, odd.shape());
        assertClose(Naive.timestep(t, 8, false, 1, 10000, 2.0), odd.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 8)), 2e-4);
        assertTrue(odd.getColumn(8).sumNumber().doubleValue() == 0.0);
        // the frequencies are float32-rounded like torch's: f_1 for half=16 is exp(-ln(1e4)/16) in float32
        assertTrue(Timesteps.frequencies(16, 0, 10000)[1] == (float) Math.exp((float) -Math.log(10000) / 16f));
    }

    @Test
    void embeddingGatherAndTrainableOneHot() {
        INDArray ids = Nd4j.createFromArray(new int[][] {{0, 3, 2}, {4, 4, 1}});
        SDVariable idv = sd.constant(ids);
        SDVariable frozen = Embedding.forward(p, "tok", idv, 2, 5, 3, false);
        SDVariable trainable = Embedding.forward(p, "pos", idv, 2, 5, 3, true);
        INDArray tok = p.torchValue("tok.weight"), pos = p.torchValue("pos.weight");
        INDArray f = run(frozen), tr = run(trainable);
        assertArrayEquals(new long[] {2, 3, 3}, f.shape());
        for (int b = 0; b < 2; b++)
            for (int i = 0; i < 3; i++) {
                assertClose(tok.getRow(ids.getInt(b, i)), f.get(org.nd4j.linalg.indexing.NDArrayIndex.point(b),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(i)), 0);
                assertClose(pos.getRow(ids.getInt(b, i)), tr.get(org.nd4j.linalg.indexing.NDArrayIndex.point(b),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(i)), 0);
            }
        GradCheck.check(sd, trainable, Map.of(), List.of("pos.weight"), 15);
    }
}
