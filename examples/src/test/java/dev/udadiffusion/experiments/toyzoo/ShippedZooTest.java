package dev.udadiffusion.experiments.toyzoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.core.io.Fingerprints;
import dev.udadiffusion.core.testing.TestData;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The shipped zoo is what its provenance says: every weight file of {@link ToyZoo#COMPONENTS} with the recorded hash. */
class ShippedZooTest {

    @Test
    void everyWeightFileMatchesTheHashInZooJson() throws Exception {
        Path zoo = TestData.toyZoo();
        JsonNode z = new ObjectMapper().readTree(zoo.resolve("zoo.json").toFile());
        // "-dirty": a stage trained from code not yet committed (models/toy-zoo/README.md says which and where it went)
        assertTrue(z.get("commit").asText().matches("[0-9a-f]{40}(-dirty)?"), "commit recorded");
        Set<String> seen = new HashSet<>();
        z.get("sha256").fields().forEachRemaining(e -> {
            assertEquals(e.getValue().asText(), Fingerprints.sha256(zoo.resolve(e.getKey())), e.getKey());
            seen.add(e.getKey().substring(0, e.getKey().indexOf('/')));
        });
        assertEquals(new HashSet<>(ToyZoo.COMPONENTS), seen);
        for (String stage : new String[] {"vae", "prior", "source", "target", "controlnet", "controlnet_oracle",
            "controlnet_lightweight"}) {
            assertTrue(z.get("stages").has(stage), stage);
        }
        // the recorded recipe is today's: `udadiff toyzoo train` would make this zoo again
        ObjectMapper om = new ObjectMapper();
        assertEquals(om.readTree(ToyZooOptions.standard(z.get("seed").asLong()).toJson().toString()), z.get("options"));
        assertEquals(ToyZooOptions.standard(z.get("seed").asLong()), ToyZooOptions.fromJson(z.get("options")));
    }
}
