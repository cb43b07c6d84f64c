package dev.udadiffusion.controlnet;

import dev.udadiffusion.diffusion.pipeline.ResidualHook;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Plugs one or more ControlNets into the SD denoising loop as diffusers' {@code StableDiffusionControlNetPipeline}
 * does: each ControlNet sees the same (doubled) latent input, timestep and text embeddings, with the conditioning
 * image repeated for both guidance halves; its residuals are scaled by {@code scale × keep(i)}, where keep is 0
 * outside [control_guidance_start, control_guidance_end] of the schedule; several ControlNets' residuals are summed.
 * In guess mode with guidance (a doubled input, [uncond; cond]) the ControlNet sees only the conditional half and the
 * unconditional half gets zero residuals, as in diffusers: guidance then pushes the sample toward the control.
 */
public final class ControlNetHook implements ResidualHook {

    /** One ControlNet with its conditioning image [B, C, H, W] (un-doubled), scale and active range. */
    public record Control(ControlNetModel model, INDArray image, double scale, double guidanceStart, double guidanceEnd) {
        public Control {
            if (guidanceStart < 0 || guidanceEnd > 1 || guidanceStart >= guidanceEnd) {
                throw new IllegalArgumentException("control guidance range must satisfy 0 <= start < end <= 1");
            }
        }

        public static Control of(ControlNetModel model, INDArray image, double scale) {
            return new Control(model, image, scale, 0.0, 1.0);
        }
    }

    private final List<Control> controls;
    private final boolean guessMode;

    public ControlNetHook(List<Control> controls, boolean guessMode) {
        if (controls.isEmpty()) {
            throw new IllegalArgumentException("no ControlNet given");
        }
        this.controls = List.copyOf(controls);
        this.guessMode = guessMode;
    }

    @Override
    public Residuals residuals(INDArray latentInput, double t, INDArray embeddings, int i, int total) {
        List<INDArray> down = null;
        INDArray mid = null;
        for (Control c : controls) {
            // diffusers: keep = 1 - (i/len < start or (i+1)/len > end)
            boolean off = (double) i / total < c.guidanceStart() || (double) (i + 1) / total > c.guidanceEnd();
            if (off || c.scale() == 0) {
                continue;
            }
            long reps = latentInput.size(0) / c.image().size(0);
            INDArray ts = Nd4j.createFromArray((float) t);
            ControlNetModel.Residuals r;
            if (guessMode && reps == 2) {
                long b = c.image().size(0);
                r = zeroFirstHalf(c.model().forward(latentInput.get(NDArrayIndex.interval(b, 2 * b)), ts,
                        embeddings.get(NDArrayIndex.interval(b, 2 * b)), c.image(), c.scale(), true));
            } else {
                INDArray img = reps == 1 ? c.image() : Nd4j.concat(0, Collections.nCopies((int) reps, c.image())
                        .toArray(new INDArray[0]));
                r = c.model().forward(latentInput, ts, embeddings, img, c.scale(), guessMode);
            }
            if (down == null) {
                down = new ArrayList<>(r.down());
                mid = r.mid();
            } else {
                for (int k = 0; k < down.size(); k++) {
                    down.set(k, down.get(k).add(r.down().get(k)));
                }
                mid = mid.add(r.mid());
            }
        }
        return down == null ? null : new Residuals(down, mid);
    }

    /** [zeros; r] along the batch: the unconditional half of a guided step gets no control. */
    private static ControlNetModel.Residuals zeroFirstHalf(ControlNetModel.Residuals r) {
        List<INDArray> down = new ArrayList<>();
        for (INDArray d : r.down()) {
            down.add(Nd4j.concat(0, Nd4j.zerosLike(d), d));
        }
        return new ControlNetModel.Residuals(down, Nd4j.concat(0, Nd4j.zerosLike(r.mid()), r.mid()));
    }
}
