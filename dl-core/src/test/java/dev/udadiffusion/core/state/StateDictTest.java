package dev.udadiffusion.core.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.nn.Conv2d;
import dev.udadiffusion.core.nn.Graphs;
import dev.udadiffusion.core.nn.Linear;
import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.safetensors.SafetensorsWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class StateDictTest {

    @TempDir
    Path dir;

    /** A two-layer graph: conv "block.conv" 2->3 (3x3) and linear "head" 4->2. */
    static Params build(SameDiff sd, Params p) {
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 2, 4, 4);
        Conv2d.forward(p, "block.conv", x, 2, 3, 3, 1, 1, true);
        Linear.forward(p, "head", sd.placeHolder("h", DataType.FLOAT, -1, 4), 2, 4, 2, true);
        return p;
    }

    static Map<String, INDArray> torchWeights() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("block.conv.weight", Nd4j.linspace(DataType.FLOAT, 1, 54, 1).reshape(3, 2, 3, 3));
        m.put("block.conv.bias", Nd4j.createFromArray(0.1f, 0.2f, 0.3f));
        m.put("head.weight", Nd4j.linspace(DataType.FLOAT, -1, 8, 1).reshape(2, 4));
        m.put("head.bias", Nd4j.createFromArray(5f, 6f));
        return m;
    }

    @Test
    void loadsAtBuildTimeInGraphLayoutAndSavesBackInTorchLayout() {
        Path f = dir.resolve("w.safetensors");
        SafetensorsWriter.write(f, torchWeights(), Map.of());
        SameDiff sd = Graphs.newSameDiff();
        try (Checkpoint ck = Checkpoint.open(KeyMapping.IDENTITY, f)) {
            Params p = build(sd, Params.load(sd, DataType.FLOAT, ck));
            LoadReport r = p.report().requireClean();
            assertEquals(4, r.loaded());
            // conv weight lives as YXIO in the graph: [3,2,3,3] -> [3,3,2,3]
            INDArray g = sd.getArrForVarName("block.conv.weight");
            assertEquals(List.of(3L, 3L, 2L, 3L), List.of(g.shape()[0], g.shape()[1], g.shape()[2], g.shape()[3]));
            assertEquals(torchWeights().get("block.conv.weight").getFloat(2, 1, 0, 2), g.getFloat(0, 2, 1, 2));
            Path out = dir.resolve("saved.safetensors");
            StateDict.save(p, out, k -> true);
            try (SafetensorsFile st = SafetensorsFile.open(out)) {
                for (Map.Entry<String, INDArray> e : torchWeights().entrySet()) {
                    assertEquals(e.getValue(), st.load(e.getKey()), e.getKey());
                }
            }
        }
    }

    @Test
    void strictLoadListsEveryProblemAndChangesNothing() {
        Map<String, INDArray> w = torchWeights();
        w.remove("head.bias"); // missing
        w.put("head.weight", Nd4j.zeros(DataType.FLOAT, 2, 5)); // wrong shape
        w.put("extra.weight", Nd4j.ones(DataType.FLOAT, 3)); // unexpected
        Path f = dir.resolve("bad.safetensors");
        SafetensorsWriter.write(f, w, Map.of());
        SameDiff sd = Graphs.newSameDiff();
        Params p = build(sd, Params.init(sd, DataType.FLOAT, 1));
        INDArray before = sd.getArrForVarName("block.conv.bias").dup();
        try (Checkpoint ck = Checkpoint.open(KeyMapping.IDENTITY, f)) {
            StateDictException e = assertThrows(StateDictException.class, () -> StateDict.load(p, ck, true));
            String m = e.getMessage();
            assertTrue(m.contains("bad.safetensors"), m);
            assertTrue(m.contains("1 missing (head.bias); 1 unexpected (extra.weight); 1 with the wrong shape"), m);
            assertEquals(1, m.lines().count(), "one line for the command line: " + m);
            assertTrue(m.contains("head.bias") && m.contains("extra.weight"), m);
            assertTrue(m.contains("head.weight: checkpoint [2, 5]") && m.contains("model [2, 4]"), m);
            assertEquals(before, sd.getArrForVarName("block.conv.bias"), "strict failure must not change the graph");
        }
        try (Checkpoint ck = Checkpoint.open(KeyMapping.IDENTITY, f)) {
            LoadReport lenient = StateDict.load(p, ck, false);
            assertEquals(2, lenient.loaded());
            assertEquals(List.of("head.bias"), lenient.missing());
            assertEquals(torchWeights().get("block.conv.bias"), sd.getArrForVarName("block.conv.bias"));
        }
    }

    @Test
    void mappingTableRenamesSqueezesAndIgnores() {
        Map<String, INDArray> ldm = new LinkedHashMap<>();
        ldm.put("model.conv.weight", torchWeights().get("block.conv.weight"));
        ldm.put("model.conv.bias", torchWeights().get("block.conv.bias"));
        ldm.put("model.proj.weight", torchWeights().get("head.weight").reshape(2, 4, 1, 1)); // 1x1 conv form
        ldm.put("model.proj.bias", torchWeights().get("head.bias"));
        ldm.put("alphas_cumprod", Nd4j.ones(DataType.FLOAT, 10));
        Path f = dir.resolve("ldm.safetensors");
        SafetensorsWriter.write(f, ldm, Map.of());
        KeyMapping table = KeyMapping.builder()
                .ignore("alphas_cumprod")
                .rename("model\\.conv\\.(weight|bias)", "block.conv.$1")
                .rename("model\\.proj\\.weight", "head.weight", KeyMapping.Transform.SQUEEZE_1X1)
                .rename("model\\.proj\\.bias", "head.bias")
                .build();
        SameDiff sd = Graphs.newSameDiff();
        try (Checkpoint ck = Checkpoint.open(table, f)) {
            Params p = build(sd, Params.load(sd, DataType.FLOAT, ck));
            LoadReport r = p.report().requireClean();
            assertEquals(List.of("alphas_cumprod"), r.ignored());
            assertEquals(torchWeights().get("head.weight"), p.torchValue("head.weight"));
        }
    }

    @Test
    void reverseInputBlocksReordersConcatenatedFeatures() {
        // a 1x1 conv 2 -> 1 over [a | b] stored for [b | a]: weight [[wb, wa]] must load as [[wa, wb]]; blocks = out channels
        SameDiff sd = Graphs.newSameDiff();
        Path f = dir.resolve("fuse.safetensors");
        SafetensorsWriter.write(f, Map.of("fuse.conv.weight", Nd4j.createFromArray(2f, 7f).reshape(1, 2, 1, 1)), Map.of());
        KeyMapping table = KeyMapping.builder()
                .rename("^fuse\\.conv\\.weight$", "fuse.weight", KeyMapping.Transform.REVERSE_INPUT_BLOCKS).build();
        try (Checkpoint ck = Checkpoint.open(table, f)) {
            Params p = Params.load(sd, DataType.FLOAT, ck);
            Conv2d.forward(p, "fuse", sd.placeHolder("x", DataType.FLOAT, -1, 2, 1, 1), 2, 1, 1, 1, 0, false);
            p.report().requireClean();
            assertEquals(Nd4j.createFromArray(7f, 2f).reshape(1, 2, 1, 1), p.torchValue("fuse.weight"));
        }
        // 3 input channels are not whole blocks of 2 output channels: a clear shape error, not a silent reorder
        SafetensorsWriter.write(f, Map.of("fuse.conv.weight", Nd4j.zeros(DataType.FLOAT, 2, 3, 1, 1)), Map.of());
        SameDiff sd2 = Graphs.newSameDiff();
        try (Checkpoint ck = Checkpoint.open(table, f)) {
            Params p = Params.load(sd2, DataType.FLOAT, ck);
            Conv2d.forward(p, "fuse", sd2.placeHolder("x", DataType.FLOAT, -1, 3, 1, 1), 3, 2, 1, 1, 0, false);
            StateDictException e = assertThrows(StateDictException.class, () -> p.report().requireClean());
            assertTrue(e.getMessage().contains("not whole blocks"), e.getMessage());
        }
    }

    @Test
    void twoCheckpointKeysForOneParameterAreAConflict() {
        Path a = dir.resolve("a.safetensors");
        Path b = dir.resolve("b.safetensors");
        SafetensorsWriter.write(a, torchWeights(), Map.of());
        SafetensorsWriter.write(b, Map.of("head.bias", Nd4j.zeros(DataType.FLOAT, 2)), Map.of());
        SameDiff sd = Graphs.newSameDiff();
        try (Checkpoint ck = Checkpoint.open(KeyMapping.IDENTITY, a, b)) {
            Params p = build(sd, Params.load(sd, DataType.FLOAT, ck));
            StateDictException e = assertThrows(StateDictException.class, () -> p.report().requireClean());
            assertTrue(e.getMessage().contains("head.bias <- head.bias and head.bias"), e.getMessage());
        }
    }

    @Test
    void halfPrecisionCheckpointUpcastsExactly() {
        Path f = dir.resolve("h.safetensors");
        INDArray w = torchWeights().get("head.weight").mul(0.37f);
        SafetensorsWriter.write(f, List.of(SafetensorsWriter.Tensor.of("head.weight", w, dev.udadiffusion.core.safetensors.DType.BF16)), Map.of());
        SameDiff sd = Graphs.newSameDiff();
        try (Checkpoint ck = Checkpoint.open(KeyMapping.IDENTITY, f)) {
            Params p = Params.load(sd, DataType.FLOAT, ck);
            Linear.forward(p, "head", sd.placeHolder("h", DataType.FLOAT, -1, 4), 2, 4, 2, false);
            INDArray got = sd.getArrForVarName("head.weight");
            for (int i = 0; i < 8; i++) {
                int bits = Float.floatToIntBits(w.getFloat(i));
                int rounded = ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) << 16;
                assertEquals(Float.intBitsToFloat(rounded), got.getFloat(i));
            }
        }
    }
}
