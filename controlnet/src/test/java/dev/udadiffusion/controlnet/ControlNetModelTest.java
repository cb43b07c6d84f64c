package dev.udadiffusion.controlnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.parity.ErrorMetrics;
import dev.udadiffusion.core.parity.ParityHarness;
import dev.udadiffusion.core.parity.ParityResult;
import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.safetensors.SafetensorsWriter;
import dev.udadiffusion.core.state.KeyMapping;
import dev.udadiffusion.core.testing.TestData;
import dev.udadiffusion.diffusion.unet.UNet2DConditionConfig;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import dev.udadiffusion.diffusion.unet.UNetKeys;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

class ControlNetModelTest {

    static final Path CN = TestData.reference("controlnet_tiny");
    static final Path UNET = TestData.reference("unet_tiny");

    @Test
    void parityAllResidualsBothScales() {
        List<ParityResult> rs = ParityHarness.withRegisteredCheckers().checkFixture(CN);
        assertEquals(28, rs.size());
        rs.forEach(r -> assertEquals(ParityResult.Status.PASS, r.status(), r.line()));
    }

    @Test
    void oneHotOfTheLabelMapIsTheFixturesConditioning() {
        try (SafetensorsFile io = SafetensorsFile.open(CN.resolve("io.safetensors"))) {
            INDArray oneHot = SegmentationConditioning.oneHot(io.load("in.label_map"));
            assertEquals(0.0, ErrorMetrics.of(oneHot, io.load("in.controlnet_cond")).maxAbs(), 0);
        }
        int[][] bad = {{0, 1}, {42, 255}};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SegmentationConditioning.validate(bad, "m.png"));
        assertTrue(e.getMessage().contains("label 42 at (x=0, y=1)"), e.getMessage());
        INDArray ignore = SegmentationConditioning.oneHot(new int[][] {{255, 3}});
        assertEquals(1.0, ignore.getDouble(0, 19, 0, 0), 0);
        assertEquals(1.0, ignore.getDouble(0, 3, 0, 1), 0);
    }

    @Test
    void labelPngIsReadAndCheckedWithPosition(@TempDir Path dir) throws Exception {
        BufferedImage img = new BufferedImage(4, 3, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setSample(1, 1, 0, 13);
        img.getRaster().setSample(3, 2, 0, 255);
        Path ok = dir.resolve("ok.png");
        javax.imageio.ImageIO.write(img, "png", ok.toFile());
        int[][] m = SegmentationConditioning.readLabelMap(ok);
        assertEquals(13, m[1][1]);
        assertEquals(255, m[2][3]);
        img.getRaster().setSample(2, 0, 0, 77);
        Path bad = dir.resolve("bad.png");
        javax.imageio.ImageIO.write(img, "png", bad.toFile());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SegmentationConditioning.readLabelMap(bad));
        assertTrue(e.getMessage().contains("bad.png: label 77 at (x=2, y=0)"), e.getMessage());
    }

    @Test
    void fromUnetCopiesTheEncoderAndStartsWithZeroResiduals() {
        UNet2DConditionConfig uc = UNet2DConditionConfig.read(UNET.resolve("config.json"));
        try (UNet2DConditionModel unet = UNet2DConditionModel.load(uc, UNET.resolve("weights.safetensors"));
                ControlNetModel cn = ControlNetModel.fromUnet(unet, ControlNetConfig.fromUnet(uc, 20, List.of(8, 16, 32, 64)), 3);
                SafetensorsFile io = SafetensorsFile.open(CN.resolve("io.safetensors"))) {
            assertEquals(unet.params().torchValue("down_blocks.1.attentions.0.proj_in.weight"),
                    cn.params().torchValue("down_blocks.1.attentions.0.proj_in.weight"));
            ControlNetModel.Residuals r = cn.forward(io.load("in.sample"), io.load("in.timesteps"),
                    io.load("in.encoder_hidden_states"), io.load("in.controlnet_cond"), 1.0, false);
            assertEquals(12, r.down().size());
            for (INDArray d : r.down()) {
                assertEquals(0.0, d.amaxNumber().doubleValue(), 0);
            }
        }
    }

    @Test
    void originalControlNetNamingLoads(@TempDir Path dir) throws Exception {
        // write the fixture's ControlNet under lllyasviel's names: encoder keys as the LDM U-Net's with control_model.
        Path ldm = TestData.reference("ldm_checkpoint_tiny").resolve("weights.safetensors");
        UNet2DConditionConfig uc = UNet2DConditionConfig.read(UNET.resolve("config.json"));
        KeyMapping unetTable = UNetKeys.ldm(uc);
        List<SafetensorsWriter.Tensor> out = new ArrayList<>();
        try (SafetensorsFile cnw = SafetensorsFile.open(CN.resolve("weights.safetensors"));
                SafetensorsFile l = SafetensorsFile.open(ldm)) {
            for (String k : l.names()) {
                var target = unetTable.map(k);
                if (target.isPresent() && cnw.contains(target.get().key())) {
                    out.add(SafetensorsWriter.Tensor.of(k.replaceFirst("^model\\.diffusion_model\\.", "control_model."),
                            cnw.load(target.get().key())));
                }
            }
            String[] hint = {"conv_in", "blocks.0", "blocks.1", "blocks.2", "blocks.3", "blocks.4", "blocks.5", "conv_out"};
            for (int i = 0; i < hint.length; i++) {
                for (String p : List.of("weight", "bias")) {
                    out.add(SafetensorsWriter.Tensor.of("control_model.input_hint_block." + (2 * i) + "." + p,
                            cnw.load("controlnet_cond_embedding." + hint[i] + "." + p)));
                }
            }
            for (int i = 0; i < 12; i++) {
                for (String p : List.of("weight", "bias")) {
                    out.add(SafetensorsWriter.Tensor.of("control_model.zero_convs." + i + ".0." + p,
                            cnw.load("controlnet_down_blocks." + i + "." + p)));
                }
            }
            for (String p : List.of("weight", "bias")) {
                out.add(SafetensorsWriter.Tensor.of("control_model.middle_block_out.0." + p, cnw.load("controlnet_mid_block." + p)));
            }
        }
        Path f = dir.resolve("control_seg.safetensors");
        SafetensorsWriter.write(f, out, Map.of());
        ControlNetConfig cfg = ControlNetConfig.read(CN.resolve("config.json"));
        try (ControlNetModel a = ControlNetModel.load(cfg, f); ControlNetModel b = ControlNetModel.load(cfg, CN.resolve("weights.safetensors"))) {
            assertEquals(b.params().specs().keySet(), a.params().specs().keySet());
            for (String k : b.params().specs().keySet()) {
                assertEquals(b.params().torchValue(k), a.params().torchValue(k), k);
            }
        }
    }
}
