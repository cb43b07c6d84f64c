package dev.udadiffusion.segformer.parity;

import dev.udadiffusion.core.config.Configs;
import dev.udadiffusion.core.parity.ErrorMetrics;
import dev.udadiffusion.core.parity.Fixture;
import dev.udadiffusion.core.parity.ParityChecker;
import dev.udadiffusion.core.parity.Tolerance;
import dev.udadiffusion.segformer.SegformerConfig;
import dev.udadiffusion.segformer.SegformerModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Parity for {@code transformers.SegformerForSemanticSegmentation} fixtures: for every case prefix P
 * ({@code in.P.pixel_values}), logits, upsampled logits, stage hidden states, patch embeddings, attention
 * probabilities, decode-head intermediates, the argmax label map and the top-1/top-2 margin.
 */
public final class SegformerParityChecker implements ParityChecker {

    @Override
    public String kind() {
        return "segformer";
    }

    @Override
    public boolean accepts(Fixture f) {
        return f.referenceClass().filter("transformers.SegformerForSemanticSegmentation"::equals).isPresent();
    }

    @Override
    public Map<String, INDArray> compute(Fixture f) {
        SegformerConfig cfg = Configs.read(f.config(), SegformerConfig.class, f.dir() + "/config.json");
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (SegformerModel m = SegformerModel.load(cfg, f.weights("segformer"))) {
            for (String in : f.io().names()) {
                if (!in.startsWith("in.") || !in.endsWith("pixel_values")) {
                    continue;
                }
                String p = in.substring(3, in.length() - "pixel_values".length());
                List<String> extra = new ArrayList<>();
                for (int i = 0; i < cfg.numEncoderBlocks(); i++) {
                    extra.add("segformer.hidden_states." + i);
                    extra.add("segformer.patch_embeddings." + i);
                    for (int j = 0; j < cfg.depths().get(i); j++) {
                        extra.add("segformer.attentions." + i + "." + j);
                    }
                }
                for (String s : List.of("concat", "fused", "bn", "bn_relu")) {
                    extra.add("segformer.decode_head." + s);
                }
                Map<String, INDArray> o = m.forward(f.input(in), extra.toArray(new String[0]));
                o.forEach((k, v) -> {
                    String name = k.equals(SegformerModel.LOGITS) ? "logits"
                            : k.equals(SegformerModel.UPSAMPLED) ? "upsampled_logits" : k.substring("segformer.".length());
                    out.put("out." + p + name, v);
                });
                INDArray up = o.get(SegformerModel.UPSAMPLED);
                out.put("out." + p + "label_map", Nd4j.argMax(up, 1).castTo(DataType.LONG));
                out.put("out." + p + "label_margin", margin(up));
            }
        }
        return out;
    }

    /** top-1 minus top-2 over the class axis. */
    static INDArray margin(INDArray logits) {
        INDArray sorted = Nd4j.sort(logits.dup(), 1, false);
        long c = logits.size(1);
        return sorted.get(NDArrayIndex.all(), NDArrayIndex.point(0))
                .sub(sorted.get(NDArrayIndex.all(), NDArrayIndex.point(1)))
                .reshape(logits.size(0), logits.size(2), logits.size(3));
    }

    @Override
    public Tolerance tolerance(Fixture f, String output) {
        return output.endsWith("label_map") ? Tolerance.EXACT : f.tolerance(defaultTolerance());
    }

    /** label_map is compared only where the reference's top-1/top-2 margin exceeds 1e-4 (else either label is right). */
    @Override
    public ErrorMetrics compare(Fixture f, String output, INDArray got, INDArray ref) {
        if (!output.endsWith("label_map")) {
            return ErrorMetrics.of(got, ref);
        }
        INDArray margin = f.expected(output.replace("label_map", "label_margin"));
        INDArray mask = margin.gt(1e-4).castTo(DataType.DOUBLE);
        return ErrorMetrics.of(got.castTo(DataType.DOUBLE).mul(mask), ref.castTo(DataType.DOUBLE).mul(mask));
    }
}
