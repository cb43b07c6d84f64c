package dev.udadiffusion.segformer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.safetensors.SafetensorsFile;
import dev.udadiffusion.core.testing.Bits;
import dev.udadiffusion.core.testing.TestData;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** save(folder) then load(folder): same config, parameters (BatchNorm statistics too) and logits, bit for bit. */
class SegformerSaveLoadTest {

    @Test
    void roundTrip(@TempDir Path tmp) throws Exception {
        Path ref = TestData.reference("segformer_tiny");
        SegformerConfig cfg = Configs.read(ref.resolve("config.json"), SegformerConfig.class);
        try (SegformerModel a = SegformerModel.load(cfg, ref.resolve("weights.safetensors"));
                SafetensorsFile io = SafetensorsFile.open(ref.resolve("io.safetensors"))) {
            a.save(tmp.resolve("segformer"));
            JsonNode written = new ObjectMapper().readTree(tmp.resolve("segformer/config.json").toFile());
            assertEquals("segformer", written.get("model_type").asText());
            assertEquals("SegformerForSemanticSegmentation", written.get("architectures").get(0).asText());
            try (SegformerModel b = SegformerModel.load(tmp.resolve("segformer"))) {
                assertEquals(a.config(), b.config());
                Bits.assertSameParams(a.params(), b.params());
                for (String in : new String[] {"in.case0.pixel_values", "in.case2.pixel_values"}) {
                    Bits.assertIdentical(a.forward(io.load(in)).get(SegformerModel.LOGITS),
                            b.forward(io.load(in)).get(SegformerModel.LOGITS), in);
                }
            }
        }
    }
}
