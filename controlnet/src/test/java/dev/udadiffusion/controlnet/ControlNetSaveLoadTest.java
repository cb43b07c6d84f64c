package dev.udadiffusion.controlnet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.testing.Bits;
import dev.udadiffusion.core.testing.TestData;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** save(folder) then load(folder): same config, parameters and residuals, bit for bit. */
class ControlNetSaveLoadTest {

    @Test
    void roundTrip(@TempDir Path tmp) throws Exception {
        Path ref = TestData.reference("controlnet_tiny");
        try (ControlNetModel a = ControlNetModel.load(ControlNetConfig.read(ref.resolve("config.json")),
                ref.resolve("weights.safetensors"));
                SafetensorsFile io = SafetensorsFile.open(ref.resolve("io.safetensors"))) {
            a.save(tmp.resolve("controlnet"));
            try (ControlNetModel b = ControlNetModel.load(tmp.resolve("controlnet"))) {
                // JSON-typed fields may come back as other node kinds (null vs NullNode): compare as config.json
                ObjectMapper om = new ObjectMapper();
                assertEquals(om.readTree(a.config().toJson()), om.readTree(b.config().toJson()));
                Bits.assertSameParams(a.params(), b.params());
                ControlNetModel.Residuals ra = a.forward(io.load("in.sample"), io.load("in.timesteps"),
                        io.load("in.encoder_hidden_states"), io.load("in.controlnet_cond"), 1.0, false);
                ControlNetModel.Residuals rb = b.forward(io.load("in.sample"), io.load("in.timesteps"),
                        io.load("in.encoder_hidden_states"), io.load("in.controlnet_cond"), 1.0, false);
                for (int i = 0; i < ra.down().size(); i++) {
                    Bits.assertIdentical(ra.down().get(i), rb.down().get(i), "down residual " + i);
                }
                Bits.assertIdentical(ra.mid(), rb.mid(), "mid residual");
            }
        }
    }
}
