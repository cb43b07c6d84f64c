package dev.udadiffusion.segformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.safetensors.SafetensorsWriter;
import dev.udadiffusion.core.testing.TestData;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The fixture's weights written under NVlabs/DAFormer mmseg names (SPECS §6.3, by hand here) load to the same model. */
class NvlabsNamesTest {

    static String toNvlabs(String k) {
        String n = k.replaceAll("^segformer\\.encoder\\.patch_embeddings\\.(\\d)\\.", "backbone.patch_embed#$1.")
                .replaceAll("^segformer\\.encoder\\.block\\.(\\d)\\.", "backbone.block#$1.")
                .replaceAll("^segformer\\.encoder\\.layer_norm\\.(\\d)\\.", "backbone.norm#$1.")
                .replace(".layer_norm_1.", ".norm1.").replace(".layer_norm_2.", ".norm2.")
                .replace(".attention.self.query.", ".attn.q.").replace(".attention.self.sr.", ".attn.sr.")
                .replace(".attention.self.layer_norm.", ".attn.norm.").replace(".attention.output.dense.", ".attn.proj.")
                .replace(".mlp.dense1.", ".mlp.fc1.").replace(".mlp.dense2.", ".mlp.fc2.").replace(".layer_norm.", ".norm.")
                .replaceAll("^decode_head\\.linear_c\\.(\\d)\\.", "decode_head.linear_c#$1.")
                .replace("decode_head.linear_fuse.weight", "decode_head.linear_fuse.conv.weight")
                .replace("decode_head.batch_norm.", "decode_head.linear_fuse.bn.")
                .replace("decode_head.classifier.", "decode_head.linear_pred.");
        // NVlabs counts stages from 1
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("#(\\d)").matcher(n);
        return m.replaceAll(r -> Integer.toString(Integer.parseInt(r.group(1)) + 1));
    }

    @Test
    void nvlabsCheckpointWithFusedKvLoadsAsTheSameModel(@TempDir Path dir) {
        Path fx = TestData.reference("segformer_tiny");
        SegformerConfig cfg = Configs.read(fx.resolve("config.json"), SegformerConfig.class);
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(fx.resolve("weights.safetensors"))) {
            for (String k : f.names()) {
                if (k.contains(".attention.self.value.")) {
                    continue;
                }
                INDArray v = f.load(k, DataType.FLOAT);
                if (k.contains(".attention.self.key.")) {
                    INDArray value = f.load(k.replace(".key.", ".value."), DataType.FLOAT);
                    out.put(toNvlabs(k).replace(".attention.self.key.", ".attn.kv."), Nd4j.concat(0, v, value));
                } else {
                    out.put(toNvlabs(k), v);
                }
            }
        }
        out.put("decode_head.conv_seg.weight", Nd4j.zeros(DataType.FLOAT, cfg.numLabels(), 4, 1, 1)); // unused in mmseg
        assertTrue(out.containsKey("backbone.block1.0.attn.kv.weight"), out.keySet().toString());
        assertTrue(out.containsKey("backbone.norm4.weight") && out.containsKey("decode_head.linear_c1.proj.weight"));
        Path nv = dir.resolve("nvlabs.safetensors");
        SafetensorsWriter.write(nv, out, Map.of("format", "pt"));
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, 64, 64);
        try (SegformerModel hf = SegformerModel.load(cfg, fx.resolve("weights.safetensors"));
                SegformerModel mm = SegformerModel.load(cfg, nv)) {
            assertEquals(hf.forward(x).get(SegformerModel.LOGITS), mm.forward(x).get(SegformerModel.LOGITS));
        }
    }

    /**
     * DAFormer's own head (lhoyer/DAFormer segformer_head.py): {@code linear_c} a ModuleDict keyed "0".."3" (the HF
     * names), stages concatenated c1..c4 before linear_fuse; saved inside the UDA wrapper as {@code model.} (the
     * student, evaluated) beside {@code ema_model.} and {@code imnet_model.}.
     */
    @Test
    void daformerCheckpointWithItsHeadOrderLoadsAsTheSameModel(@TempDir Path dir) {
        Path fx = TestData.reference("segformer_tiny");
        SegformerConfig cfg = Configs.read(fx.resolve("config.json"), SegformerConfig.class);
        int d = cfg.decoderHiddenSize();
        int stages = cfg.hiddenSizes().size();
        Map<String, INDArray> out = new LinkedHashMap<>();
        INDArray hfFuse;
        try (SafetensorsFile f = SafetensorsFile.open(fx.resolve("weights.safetensors"))) {
            hfFuse = f.load("decode_head.linear_fuse.weight", DataType.FLOAT);
            for (String k : f.names()) {
                if (k.contains(".attention.self.value.")) {
                    continue;
                }
                INDArray v = f.load(k, DataType.FLOAT);
                String n = k.startsWith("decode_head.linear_c.") ? k : toNvlabs(k);
                if (k.contains(".attention.self.key.")) {
                    v = Nd4j.concat(0, v, f.load(k.replace(".key.", ".value."), DataType.FLOAT));
                    n = n.replace(".attention.self.key.", ".attn.kv.");
                }
                if (k.equals("decode_head.linear_fuse.weight")) {
                    INDArray[] blocks = new INDArray[stages]; // HF input blocks are c4..c1, DAFormer's c1..c4
                    for (int b = 0; b < stages; b++) {
                        blocks[stages - 1 - b] = v.get(NDArrayIndex.all(), NDArrayIndex.interval(b * d, (b + 1) * d),
                                NDArrayIndex.all(), NDArrayIndex.all());
                    }
                    v = Nd4j.concat(1, blocks);
                }
                out.put("model." + n, v);
                out.put("ema_model." + n, Nd4j.zerosLike(v));
            }
        }
        out.put("model.decode_head.conv_seg.weight", Nd4j.zeros(DataType.FLOAT, cfg.numLabels(), 4, 1, 1));
        out.put("imnet_model.backbone.norm1.weight", Nd4j.zeros(DataType.FLOAT, 4));
        assertTrue(out.containsKey("model.decode_head.linear_fuse.conv.weight"), out.keySet().toString());
        assertTrue(out.containsKey("model.backbone.block1.0.attn.kv.weight"));
        Path da = dir.resolve("daformer.safetensors");
        SafetensorsWriter.write(da, out, Map.of("format", "pt"));
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, 3, 64, 64);
        try (SegformerModel hf = SegformerModel.load(cfg, fx.resolve("weights.safetensors"));
                SegformerModel mm = SegformerModel.load(cfg, da)) {
            assertTrue(mm.loadReport().unexpected().isEmpty() && mm.loadReport().missing().isEmpty(),
                    mm.loadReport().describe());
            assertEquals(hf.forward(x).get(SegformerModel.LOGITS), mm.forward(x).get(SegformerModel.LOGITS));
        }
        // the same file with linear_fuse in HF's order gives other logits: the reversal is what makes them equal
        out.put("model.decode_head.linear_fuse.conv.weight", hfFuse);
        SafetensorsWriter.write(da, out, Map.of("format", "pt"));
        try (SegformerModel hf = SegformerModel.load(cfg, fx.resolve("weights.safetensors"));
                SegformerModel mm = SegformerModel.load(cfg, da)) {
            assertNotEquals(hf.forward(x).get(SegformerModel.LOGITS), mm.forward(x).get(SegformerModel.LOGITS));
        }
    }

    @Test
    void imagenetBackboneLoadsIntoTheEncoderWithAFreshHead(@TempDir Path dir) {
        Path fx = TestData.reference("segformer_tiny");
        SegformerConfig cfg = Configs.read(fx.resolve("config.json"), SegformerConfig.class);
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(fx.resolve("weights.safetensors"))) {
            for (String k : f.names()) {
                if (k.startsWith("segformer.encoder.")) {
                    out.put(k, f.load(k, DataType.FLOAT)); // transformers' nvidia/mit-b* layout
                }
            }
        }
        out.put("classifier.weight", Nd4j.zeros(DataType.FLOAT, 1000, 64));
        Path hf = dir.resolve("mit.safetensors");
        SafetensorsWriter.write(hf, out, Map.of("format", "pt"));
        try (SegformerModel full = SegformerModel.load(cfg, fx.resolve("weights.safetensors"));
                SegformerModel bb = SegformerModel.loadBackbone(cfg, hf)) {
            String k = "segformer.encoder.block.0.0.attention.self.key.weight";
            assertEquals(full.params().torchValue(k), bb.params().torchValue(k));
            assertTrue(bb.loadReport().missing().stream().allMatch(m -> m.startsWith("decode_head.")));
            assertTrue(!bb.loadReport().missing().isEmpty());
        }
        // NVlabs' ImageNet mit_b*.pth layout: no "backbone." prefix, fused kv, a classification "head"
        Map<String, INDArray> nv = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> en : out.entrySet()) {
            String k = en.getKey();
            if (k.contains(".attention.self.value.") || !k.startsWith("segformer.")) {
                continue;
            }
            String n = toNvlabs(k).substring("backbone.".length());
            nv.put(k.contains(".attention.self.key.") ? n.replace(".attention.self.key.", ".attn.kv.") : n,
                    k.contains(".attention.self.key.") ? Nd4j.concat(0, en.getValue(), out.get(k.replace(".key.", ".value.")))
                            : en.getValue());
        }
        nv.put("head.weight", Nd4j.zeros(DataType.FLOAT, 1000, 64));
        Path nvFile = dir.resolve("mit_nvlabs.safetensors");
        SafetensorsWriter.write(nvFile, nv, Map.of("format", "pt"));
        try (SegformerModel full = SegformerModel.load(cfg, fx.resolve("weights.safetensors"));
                SegformerModel bb = SegformerModel.loadBackbone(cfg, nvFile)) {
            for (String k : new String[] {"segformer.encoder.block.1.0.attention.self.value.weight",
                "segformer.encoder.patch_embeddings.0.proj.weight", "segformer.encoder.layer_norm.3.bias"}) {
                assertEquals(full.params().torchValue(k), bb.params().torchValue(k), k);
            }
        }
        // a checkpoint missing encoder tensors is refused with the list
        out.remove("segformer.encoder.layer_norm.3.weight");
        SafetensorsWriter.write(hf, out, Map.of("format", "pt"));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> SegformerModel.loadBackbone(cfg, hf));
        assertTrue(e.getMessage().contains("segformer.encoder.layer_norm.3.weight"), e.getMessage());
    }
}
