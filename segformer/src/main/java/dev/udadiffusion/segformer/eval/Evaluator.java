package dev.udadiffusion.segformer.eval;

import dev.udadiffusion.core.errors.DataException;
import dev.udadiffusion.core.image.Images;
import dev.udadiffusion.core.nn.Resize;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.data.io.LabelMaps;
import dev.udadiffusion.data.io.Sample;
import dev.udadiffusion.segformer.SegformerModel;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Evaluates a SegFormer on a labeled dataset as DAFormer does: each image resized to the test size (thesis: 1024×512),
 * whole-image or sliding-window logits, logits resized bilinearly back to the label's size, argmax, and a confusion
 * matrix over all pixels of the set (label 255 ignored; dataset ids mapped to trainIds, unknown ids ignored).
 */
public final class Evaluator {

    /**
     * @param width test width (0: the image's own size)
     * @param height test height
     * @param window sliding window size (0: whole image)
     * @param stride sliding window stride
     * @param predictions folder for {@code ID_trainIds.png} and {@code ID_color.png}, or null
     */
    public record Options(int width, int height, int window, int stride, Path predictions) {
        /** The thesis's protocol: 1024×512, windows of 512 every 256, no prediction images. */
        public static Options thesis() {
            return new Options(1024, 512, 512, 256, null);
        }

        /** Each image at its own size, in one piece (small images, e.g. the toy world's). */
        public static Options wholeImage() {
            return new Options(0, 0, 0, 0, null);
        }

        public Options withPredictions(Path dir) {
            return new Options(width, height, window, stride, dir);
        }
    }

    /** Called after each image. */
    public interface Progress {
        void update(int done, int total, Sample sample);
    }

    private Evaluator() {
    }

    public static ConfusionMatrix run(SegformerModel model, Datasets.Listing data, Options o, Progress progress) {
        ConfusionMatrix cm = new ConfusionMatrix(model.config().numLabels());
        int i = 0;
        for (Sample s : data.samples()) {
            int[][] truth = data.readTrainIds(s);
            BufferedImage img = Images.read(s.image());
            if (img.getWidth() != truth[0].length || img.getHeight() != truth.length) {
                throw new DataException(s.label(), "label is " + truth[0].length + "x" + truth.length + " but its image "
                        + s.image().getFileName() + " is " + img.getWidth() + "x" + img.getHeight());
            }
            int[][] pred = predict(model, img, o);
            cm.add(truth, pred, s.image().toString());
            if (o.predictions() != null) {
                Images.write(LabelMaps.grey(pred), o.predictions().resolve(s.id() + "_trainIds.png"));
                Images.write(LabelMaps.colorize(pred), o.predictions().resolve(s.id() + "_color.png"));
            }
            if (progress != null) {
                progress.update(++i, data.samples().size(), s);
            }
        }
        return cm;
    }

    /** Class per pixel at the image's own size. */
    public static int[][] predict(SegformerModel model, BufferedImage img, Options o) {
        INDArray x = SegformerInput.tensor(SegformerInput.resize(img, o.width(), o.height()));
        INDArray logits = o.window() > 0
                ? SlidingWindow.infer(x, o.window(), o.stride(), w -> model.forward(w).get(SegformerModel.UPSAMPLED))
                : model.forward(x).get(SegformerModel.UPSAMPLED);
        return SlidingWindow.argmax(resize(logits, img.getHeight(), img.getWidth()));
    }

    /** Bilinear (align_corners=False) resize of logits [1, C, h, w] to [1, C, H, W], as mmseg's {@code resize}. */
    static INDArray resize(INDArray logits, int outH, int outW) {
        int c = (int) logits.size(1);
        int h = (int) logits.size(2);
        int w = (int) logits.size(3);
        if (h == outH && w == outW) {
            return logits;
        }
        INDArray aw = Nd4j.create(Resize.matrix(w, outW, false)).castTo(DataType.FLOAT); // [W, w]
        INDArray ah = Nd4j.create(Resize.matrix(h, outH, false)).castTo(DataType.FLOAT); // [H, h]
        INDArray rows = logits.castTo(DataType.FLOAT).reshape(c * (long) h, w).mmul(aw.transpose()); // [C·h, W]
        INDArray out = Nd4j.create(DataType.FLOAT, 1, c, outH, outW);
        for (int k = 0; k < c; k++) {
            INDArray rk = rows.get(NDArrayIndex.interval((long) k * h, (long) (k + 1) * h),
                    NDArrayIndex.all());
            out.slice(0).slice(k).assign(ah.mmul(rk));
        }
        return out;
    }
}
