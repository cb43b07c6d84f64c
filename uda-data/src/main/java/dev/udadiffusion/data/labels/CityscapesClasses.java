package dev.udadiffusion.data.labels;

import java.util.List;

/**
 * The 19 Cityscapes evaluation classes by trainId (cityscapesScripts {@code helpers/labels.py}), with their official
 * colours. 255 is "ignore".
 */
public final class CityscapesClasses {

    public static final int COUNT = 19;
    public static final int IGNORE = 255;

    /** Class names, index = trainId. */
    public static final List<String> NAMES = List.of("road", "sidewalk", "building", "wall", "fence", "pole",
            "traffic light", "traffic sign", "vegetation", "terrain", "sky", "person", "rider", "car", "truck", "bus",
            "train", "motorcycle", "bicycle");

    /** Official colours (R, G, B), index = trainId. */
    public static final int[][] COLORS = {{128, 64, 128}, {244, 35, 232}, {70, 70, 70}, {102, 102, 156}, {190, 153, 153},
        {153, 153, 153}, {250, 170, 30}, {220, 220, 0}, {107, 142, 35}, {152, 251, 152}, {70, 130, 180}, {220, 20, 60},
        {255, 0, 0}, {0, 0, 142}, {0, 0, 70}, {0, 60, 100}, {0, 80, 100}, {0, 0, 230}, {119, 11, 32}};

    /** Cityscapes labelId of each trainId (cityscapesScripts labels.py). */
    public static final int[] LABEL_IDS = {7, 8, 11, 12, 13, 17, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 31, 32, 33};

    /** labelId of "ego vehicle" (trainId 255). */
    public static final int EGO_VEHICLE = 1;

    private CityscapesClasses() {
    }

    public static String name(int trainId) {
        if (trainId < 0 || trainId >= COUNT) {
            throw new IllegalArgumentException("trainId " + trainId + " is not a Cityscapes class (0-18)");
        }
        return NAMES.get(trainId);
    }
}
