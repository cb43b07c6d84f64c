package dev.udadiffusion.controlnet;

import dev.udadiffusion.data.labels.CityscapesClasses;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Colour-palette conditioning for the public segmentation ControlNet ({@code lllyasviel/sd-controlnet-seg}), which
 * was trained on ADE20K segmentations drawn with the 150-class ADE20K palette (as in its model card and mmseg). A
 * Cityscapes trainId mask is drawn with the colour of the closest ADE20K class (table below); ignore/background is
 * black. The result is the RGB conditioning image in [0, 1], [1, 3, H, W].
 */
public final class AdePalette {

    /** ADE20K palette, index = ADE20K class (0 wall, 1 building, 2 sky, …), as lllyasviel's model card lists it. */
    static final int[] RGB = {
        120, 120, 120, 180, 120, 120, 6, 230, 230, 80, 50, 50, 4, 200, 3, 120, 120, 80, 140, 140, 140, 204, 5, 255,
        230, 230, 230, 4, 250, 7, 224, 5, 255, 235, 255, 7, 150, 5, 61, 120, 120, 70, 8, 255, 51, 255, 6, 82,
        143, 255, 140, 204, 255, 4, 255, 51, 7, 204, 70, 3, 0, 102, 200, 61, 230, 250, 255, 6, 51, 11, 102, 255,
        255, 7, 71, 255, 9, 224, 9, 7, 230, 220, 220, 220, 255, 9, 92, 112, 9, 255, 8, 255, 214, 7, 255, 224,
        255, 184, 6, 10, 255, 71, 255, 41, 10, 7, 255, 255, 224, 255, 8, 102, 8, 255, 255, 61, 6, 255, 194, 7,
        255, 122, 8, 0, 255, 20, 255, 8, 41, 255, 5, 153, 6, 51, 255, 235, 12, 255, 160, 150, 20, 0, 163, 255,
        140, 140, 140, 250, 10, 15, 20, 255, 0, 31, 255, 0, 255, 31, 0, 255, 224, 0, 153, 255, 0, 0, 0, 255,
        255, 71, 0, 0, 235, 255, 0, 173, 255, 31, 0, 255, 11, 200, 200, 255, 82, 0, 0, 255, 245, 0, 61, 255,
        0, 255, 112, 0, 255, 133, 255, 0, 0, 255, 163, 0, 255, 102, 0, 194, 255, 0, 0, 143, 255, 51, 255, 0,
        0, 82, 255, 0, 255, 41, 0, 255, 173, 10, 0, 255, 173, 255, 0, 0, 255, 153, 255, 92, 0, 255, 0, 255,
        255, 0, 245, 255, 0, 102, 255, 173, 0, 255, 0, 20, 255, 184, 184, 0, 31, 255, 0, 255, 61, 0, 71, 255,
        255, 0, 204, 0, 255, 194, 0, 255, 82, 0, 10, 255, 0, 112, 255, 51, 0, 255, 0, 194, 255, 0, 122, 255,
        0, 255, 163, 255, 153, 0, 0, 255, 10, 255, 112, 0, 143, 255, 0, 82, 0, 255, 163, 255, 0, 255, 235, 0,
        8, 184, 170, 133, 0, 255, 0, 255, 92, 184, 0, 255, 255, 0, 31, 0, 184, 255, 0, 214, 255, 255, 0, 112,
        92, 255, 0, 0, 224, 255, 112, 224, 255, 70, 184, 160, 163, 0, 255, 153, 0, 255, 71, 255, 0, 255, 0, 163,
        255, 204, 0, 255, 0, 143, 0, 255, 235, 133, 255, 0, 255, 0, 235, 245, 0, 255, 255, 0, 122, 255, 245, 0,
        10, 190, 212, 214, 255, 0, 0, 204, 255, 20, 0, 255, 255, 255, 0, 0, 153, 255, 0, 41, 255, 0, 255, 204,
        41, 0, 255, 41, 255, 0, 173, 0, 255, 0, 245, 255, 71, 0, 255, 122, 0, 255, 0, 255, 184, 0, 92, 255,
        184, 255, 0, 0, 133, 255, 255, 214, 0, 25, 194, 194, 102, 255, 0, 92, 0, 255};

    /**
     * Cityscapes trainId → ADE20K class: road→road (6), sidewalk→sidewalk (11), building→building (1), wall→wall (0),
     * fence→fence (32), pole→pole (93), traffic light→traffic light (136), traffic sign→signboard (43),
     * vegetation→tree (4), terrain→grass (9), sky→sky (2), person→person (12), rider→person (12), car→car (20),
     * truck→truck (83), bus→bus (80), train→bus (80; ADE20K has no train), motorcycle→minibike (116),
     * bicycle→bicycle (127).
     */
    static final int[] CITYSCAPES_TO_ADE = {6, 11, 1, 0, 32, 93, 136, 43, 4, 9, 2, 12, 12, 20, 83, 80, 80, 116, 127};

    private AdePalette() {
    }

    public static int classes() {
        return RGB.length / 3;
    }

    /** RGB of an ADE20K class. */
    public static int[] color(int adeClass) {
        return new int[] {RGB[3 * adeClass], RGB[3 * adeClass + 1], RGB[3 * adeClass + 2]};
    }

    /** A Cityscapes trainId mask as the sd-controlnet-seg conditioning image [1, 3, H, W] in [0, 1]. */
    public static INDArray conditioning(int[][] trainIds) {
        SegmentationConditioning.validate(trainIds, "mask");
        int h = trainIds.length;
        int w = trainIds[0].length;
        float[] v = new float[3 * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int t = trainIds[y][x];
                if (t < 0 || t >= CityscapesClasses.COUNT) {
                    continue; // ignore / background stays black
                }
                int a = CITYSCAPES_TO_ADE[t];
                for (int c = 0; c < 3; c++) {
                    v[(c * h + y) * w + x] = RGB[3 * a + c] / 255f;
                }
            }
        }
        return Nd4j.create(v, new long[] {1, 3, h, w});
    }
}
