package dev.udadiffusion.controlnet;

import dev.udadiffusion.data.labels.CityscapesClasses;
import java.util.ArrayList;
import java.util.List;

/**
 * The thesis's prompt rule for mask-conditioned generation (§3.3.4): the names of the classes present in the mask,
 * comma-separated, e.g. "car, road, sky, rider, bicycle, vegetation, building". The thesis fixes no order; here classes
 * are listed by pixel count, largest first (ties by trainId), so the prompt is deterministic.
 */
public final class MaskPrompt {

    private MaskPrompt() {
    }

    public static String of(int[][] labels) {
        long[] count = new long[CityscapesClasses.COUNT];
        for (int[] row : labels) {
            for (int v : row) {
                if (v >= 0 && v < CityscapesClasses.COUNT) {
                    count[v]++;
                }
            }
        }
        List<Integer> present = new ArrayList<>();
        for (int c = 0; c < count.length; c++) {
            if (count[c] > 0) {
                present.add(c);
            }
        }
        present.sort((a, b) -> count[b] != count[a] ? Long.compare(count[b], count[a]) : Integer.compare(a, b));
        List<String> names = new ArrayList<>();
        for (int c : present) {
            names.add(CityscapesClasses.name(c));
        }
        return String.join(", ", names);
    }
}
