package dev.udadiffusion.diffusion.clip;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prompts → text embeddings, as diffusers' {@code encode_prompt} does for SD1.x: tokenize (padded to 77), run the text
 * encoder, take last_hidden_state (or the clip-skip layer through the final LayerNorm). For classifier-free guidance
 * the negative prompts ("" by default) are encoded like any prompt and stacked first: [uncond; cond].
 * Prompts longer than 75 tokens are truncated with a warning.
 */
public final class PromptEncoder {

    private static final Logger LOG = LoggerFactory.getLogger(PromptEncoder.class);

    private final CLIPTokenizer tokenizer;
    private final CLIPTextModel textModel;

    public PromptEncoder(CLIPTokenizer tokenizer, CLIPTextModel textModel) {
        this.tokenizer = tokenizer;
        this.textModel = textModel;
    }

    public CLIPTokenizer tokenizer() {
        return tokenizer;
    }

    public CLIPTextModel textModel() {
        return textModel;
    }

    /** Embeddings [N, 77, D] of {@code prompts}. */
    public INDArray encode(List<String> prompts, int clipSkip) {
        for (String p : prompts) {
            int over = tokenizer.overflow(p);
            if (over > 0) {
                LOG.warn("prompt is {} tokens longer than CLIP's {} and was truncated: \"{}\"", over,
                        tokenizer.modelMaxLength() - 2, p.length() > 80 ? p.substring(0, 80) + "…" : p);
            }
        }
        return textModel.encode(tokenizer.encode(prompts).inputIds(), clipSkip);
    }

    /**
     * [negatives; prompts] stacked on the batch axis for classifier-free guidance; {@code negatives} null means empty
     * negative prompts, otherwise one per prompt.
     */
    public INDArray encodeForGuidance(List<String> prompts, List<String> negatives, int clipSkip) {
        List<String> neg = negatives;
        if (neg == null) {
            neg = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                neg.add("");
            }
        }
        if (neg.size() != prompts.size()) {
            throw new IllegalArgumentException(prompts.size() + " prompts but " + neg.size() + " negative prompts");
        }
        List<String> all = new ArrayList<>(neg);
        all.addAll(prompts);
        return encode(all, clipSkip);
    }

    /** Stacks two embedding batches (e.g. precomputed uncond and cond) on the batch axis. */
    public static INDArray concat(INDArray uncond, INDArray cond) {
        return Nd4j.concat(0, uncond, cond);
    }
}
