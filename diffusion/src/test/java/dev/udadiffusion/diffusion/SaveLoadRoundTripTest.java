package dev.udadiffusion.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.safetensors.DType;
import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.testing.Bits;
import dev.udadiffusion.core.testing.TestData;
import dev.udadiffusion.diffusion.clip.CLIPTextConfig;
import dev.udadiffusion.diffusion.clip.CLIPTextModel;
import dev.udadiffusion.diffusion.unet.UNet2DConditionConfig;
import dev.udadiffusion.diffusion.unet.UNet2DConditionModel;
import dev.udadiffusion.diffusion.vae.AutoencoderKL;
import dev.udadiffusion.diffusion.vae.AutoencoderKLConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/** save(folder) then load(folder) gives the same config, the same parameters and the same outputs, bit for bit. */
class SaveLoadRoundTripTest {

    @TempDir
    Path tmp;

    @Test
    void unet() {
        Path ref = TestData.reference("unet_tiny");
        try (UNet2DConditionModel a = UNet2DConditionModel.load(UNet2DConditionConfig.read(ref.resolve("config.json")),
                ref.resolve("weights.safetensors"));
                SafetensorsFile io = SafetensorsFile.open(ref.resolve("io.safetensors"))) {
            a.save(tmp.resolve("unet"));
            assertTrue(Files.isRegularFile(tmp.resolve("unet/diffusion_pytorch_model.safetensors")));
            try (UNet2DConditionModel b = UNet2DConditionModel.load(tmp.resolve("unet"))) {
                assertEquals(a.config(), b.config());
                Bits.assertSameParams(a.params(), b.params());
                Bits.assertIdentical(
                        a.predict(io.load("in.sample"), io.load("in.timesteps"), io.load("in.encoder_hidden_states")),
                        b.predict(io.load("in.sample"), io.load("in.timesteps"), io.load("in.encoder_hidden_states")),
                        "noise prediction");
            }
        }
    }

    @Test
    void vae() {
        Path ref = TestData.reference("vae_tiny");
        try (AutoencoderKL a = AutoencoderKL.load(AutoencoderKLConfig.read(ref.resolve("config.json")),
                ref.resolve("weights.safetensors"));
                SafetensorsFile io = SafetensorsFile.open(ref.resolve("io.safetensors"))) {
            a.save(tmp.resolve("vae"));
            try (AutoencoderKL b = AutoencoderKL.load(tmp.resolve("vae"))) {
                assertEquals(a.config(), b.config());
                Bits.assertSameParams(a.params(), b.params());
                Bits.assertIdentical(a.encode(io.load("in.case1.image")).mean(), b.encode(io.load("in.case1.image")).mean(),
                        "posterior mean");
                Bits.assertIdentical(a.decode(io.load("in.case1.z")), b.decode(io.load("in.case1.z")), "decoded image");
            }
        }
    }

    @Test
    void clipTextEncoderInF32AndWidenedFromF16() {
        Path ref = TestData.reference("clip_text_tiny");
        try (CLIPTextModel a = CLIPTextModel.load(CLIPTextConfig.read(ref.resolve("config.json")),
                ref.resolve("weights.safetensors"));
                SafetensorsFile io = SafetensorsFile.open(ref.resolve("io.safetensors"))) {
            long[][] ids = io.load("in.input_ids").toLongMatrix();
            a.save(tmp.resolve("text_encoder"));
            try (CLIPTextModel b = CLIPTextModel.load(tmp.resolve("text_encoder"))) {
                assertEquals(a.config(), b.config());
                Bits.assertSameParams(a.params(), b.params());
                Bits.assertIdentical(a.encode(ids, 0), b.encode(ids, 0), "last hidden state");
            }
            a.save(tmp.resolve("f16"), DType.F16);
            try (CLIPTextModel h = CLIPTextModel.load(tmp.resolve("f16"));
                    SafetensorsFile f = SafetensorsFile.open(tmp.resolve("f16/model.safetensors"))) {
                assertEquals(DType.F16, f.info("text_model.final_layer_norm.weight").dtype());
                String k = "text_model.embeddings.token_embedding.weight";
                Bits.assertIdentical(a.params().torchValue(k).castTo(DataType.HALF)
                        .castTo(DataType.FLOAT), h.params().torchValue(k), k + " through F16");
            }
        }
    }
}
