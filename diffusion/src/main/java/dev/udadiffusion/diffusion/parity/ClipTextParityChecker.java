package dev.udadiffusion.diffusion.parity;

import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.parity.Fixture;
import dev.udadiffusion.core.parity.ParityChecker;
import dev.udadiffusion.diffusion.clip.CLIPTextConfig;
import dev.udadiffusion.diffusion.clip.CLIPTextModel;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Parity for {@code transformers.CLIPTextModel} fixtures ({@code in.input_ids}): last_hidden_state, pooler_output,
 * hidden_states.i, hidden_states_m2 and clip_skip1_prompt_embeds.
 */
public final class ClipTextParityChecker implements ParityChecker {

    @Override
    public String kind() {
        return "clip-text";
    }

    @Override
    public boolean accepts(Fixture f) {
        return f.referenceClass().filter("transformers.CLIPTextModel"::equals).isPresent();
    }

    @Override
    public Map<String, INDArray> compute(Fixture f) {
        CLIPTextConfig cfg = Configs.read(f.config(), CLIPTextConfig.class, f.dir() + "/config.json");
        long[][] ids = f.input("input_ids").toLongMatrix();
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (CLIPTextModel m = CLIPTextModel.load(cfg, f.weights("text_encoder"))) {
            CLIPTextModel.Output o = m.forward(ids);
            out.put("out.last_hidden_state", o.lastHiddenState());
            out.put("out.pooler_output", o.pooled());
            for (int i = 0; i < o.hiddenStates().size(); i++) {
                out.put("out.hidden_states." + i, o.hiddenStates().get(i));
            }
            out.put("out.hidden_states_m2", o.hiddenStates().get(o.hiddenStates().size() - 2));
            if (o.clipSkip().containsKey(1)) {
                out.put("out.clip_skip1_prompt_embeds", o.clipSkip().get(1));
            }
        }
        return out;
    }
}
