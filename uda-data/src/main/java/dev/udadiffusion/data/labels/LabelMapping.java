package dev.udadiffusion.data.labels;

import dev.udadiffusion.core.errors.InputException;
import java.util.Arrays;

/**
 * A dataset's label ids → Cityscapes trainIds (0–18, 255 = ignore), as data. The three tables are those of
 * cityscapesScripts' {@code labels.py} (Cityscapes labelIds; GTA5 labels use the same ids) and DAFormer's
 * {@code convert_datasets/synthia.py}. Ids outside a table's range are an error naming the position (unless the caller
 * maps them to ignore).
 */
public final class LabelMapping {

    /** Cityscapes labelId 0..33 → trainId (labels.py); license plate (−1) is handled as ignore. */
    public static final LabelMapping CITYSCAPES = new LabelMapping("Cityscapes labelIds", new int[] {
        255, 255, 255, 255, 255, 255, 255, // 0 unlabeled … 6 ground
        0, 1, 255, 255, // 7 road, 8 sidewalk, 9 parking, 10 rail track
        2, 3, 4, 255, 255, 255, // 11 building, 12 wall, 13 fence, 14 guard rail, 15 bridge, 16 tunnel
        5, 255, 6, 7, // 17 pole, 18 polegroup, 19 traffic light, 20 traffic sign
        8, 9, 10, 11, 12, 13, 14, 15, // 21 vegetation … 28 bus
        255, 255, 16, 17, 18}); // 29 caravan, 30 trailer, 31 train, 32 motorcycle, 33 bicycle

    /** GTA5 label PNGs hold Cityscapes labelIds (DAFormer's convert_datasets/gta.py uses the same map). */
    public static final LabelMapping GTA5 = new LabelMapping("GTA5 labels (Cityscapes labelIds)", CITYSCAPES.table);

    /** SYNTHIA-RAND-CITYSCAPES GT/LABELS ids (last channel) → trainId (DAFormer convert_datasets/synthia.py). */
    public static final LabelMapping SYNTHIA = new LabelMapping("SYNTHIA labels", synthia());

    private final String name;
    private final int[] table;

    private LabelMapping(String name, int[] table) {
        this.name = name;
        this.table = table;
    }

    private static int[] synthia() {
        int[] t = new int[23];
        Arrays.fill(t, 255);
        int[][] pairs = {{3, 0}, {4, 1}, {2, 2}, {21, 3}, {5, 4}, {7, 5}, {15, 6}, {9, 7}, {6, 8}, {16, 9}, {1, 10},
            {10, 11}, {17, 12}, {8, 13}, {18, 14}, {19, 15}, {20, 16}, {12, 17}, {11, 18}};
        for (int[] p : pairs) {
            t[p[0]] = p[1];
        }
        return t;
    }

    public String name() {
        return name;
    }

    /** trainId of one id; 255 is ignore in every layout (mmseg's convention); −1 if the id is outside the table. */
    public int trainId(int id) {
        return id >= 0 && id < table.length ? table[id] : id == 255 ? 255 : -1;
    }

    /**
     * Maps a label map in place to trainIds. Ids outside the table throw (naming {@code source} and the position) unless
     * {@code unknownToIgnore}, in which case they become 255; returns how many pixels were unknown.
     */
    public long apply(int[][] labels, String source, boolean unknownToIgnore) {
        long unknown = 0;
        for (int y = 0; y < labels.length; y++) {
            for (int x = 0; x < labels[y].length; x++) {
                int t = trainId(labels[y][x]);
                if (t < 0) {
                    if (!unknownToIgnore) {
                        throw new InputException(source + ": label id " + labels[y][x] + " at (x=" + x + ", y=" + y
                                + ") is not in the " + name + " table (0-" + (table.length - 1) + ")");
                    }
                    unknown++;
                    t = 255;
                }
                labels[y][x] = t;
            }
        }
        return unknown;
    }
}
