package dev.udadiffusion.segformer;

import dev.udadiffusion.core.nn.Activations;
import dev.udadiffusion.core.nn.BatchNorm2d;
import dev.udadiffusion.core.nn.Conv2d;
import dev.udadiffusion.core.nn.Linear;
import dev.udadiffusion.core.nn.Resize;
import dev.udadiffusion.core.nn.Size2d;
import dev.udadiffusion.core.state.Params;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * transformers {@code SegformerDecodeHead}, the all-MLP head: linear_c per stage, bilinear to the first stage's grid,
 * concatenation in reverse stage order, linear_fuse (1×1, no bias) + BatchNorm + ReLU, classifier. Intermediate
 * results are named graph outputs ({@code segformer.decode_head.*}) for the parity checks.
 */
record SegformerDecodeHead(SegformerConfig config) {

    static final String BN = "decode_head.batch_norm";

    /**
     * Logits [B, labels, h1, w1] from the stages' NCHW outputs. {@code bnStats} null: BatchNorm on its running
     * statistics; otherwise on the batch's, output under these two names (mean, biased variance).
     */
    SDVariable forward(Params p, List<SDVariable> stages, List<Size2d> grids, String[] bnStats) {
        SameDiff sd = p.sameDiff();
        int d = config.decoderHiddenSize();
        Size2d first = grids.get(0);
        List<SDVariable> proj = new ArrayList<>();
        for (int i = 0; i < stages.size(); i++) {
            Size2d g = grids.get(i);
            int dim = config.hiddenSizes().get(i);
            SDVariable t = stages.get(i).permute(0, 2, 3, 1).reshape(-1, g.tokens(), dim);
            SDVariable m = Linear.forward(p, "decode_head.linear_c." + i + ".proj", t, 3, dim, d, true, new long[] {g.tokens()});
            SDVariable img = m.reshape(-1, g.height(), g.width(), d).permute(0, 3, 1, 2);
            proj.add(g.equals(first) ? img : Resize.bilinear(sd, img, (int) g.height(), (int) g.width(),
                    (int) first.height(), (int) first.width(), false));
        }
        Collections.reverse(proj); // transformers concatenates [c4, c3, c2, c1]
        SDVariable concat = sd.identity("segformer.decode_head.concat", sd.concat(1, proj.toArray(new SDVariable[0])));
        SDVariable fused = sd.identity("segformer.decode_head.fused",
                Conv2d.forward(p, "decode_head.linear_fuse", concat, d * stages.size(), d, 1, 1, 0, false));
        BatchNorm2d bn = BatchNorm2d.of(d);
        SDVariable normed = sd.identity("segformer.decode_head.bn", bnStats == null ? bn.forward(p, BN, fused)
                : bn.forwardTrain(p, BN, fused, bnStats[0], bnStats[1]));
        SDVariable relu = sd.identity("segformer.decode_head.bn_relu", Activations.relu(sd, normed));
        return Conv2d.forward(p, "decode_head.classifier", relu, d, config.numLabels(), 1, 1, 0, true);
    }
}
