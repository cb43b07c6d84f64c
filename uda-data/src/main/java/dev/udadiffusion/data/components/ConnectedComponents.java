package dev.udadiffusion.data.components;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Connected components of a label map, per class (pixels of the same label that touch; 8-connectivity by default,
 * 4 on request): each with its label, area, bounding box and an id map from which its mask follows. One pass of
 * iterative flood fill with an int stack — linear in the number of pixels (2048×1024 in tens of milliseconds).
 */
public final class ConnectedComponents {

    /** One component: label, pixel count and inclusive bounding box. */
    public record Component(int id, int label, long area, int minX, int minY, int maxX, int maxY) {
        public int width() {
            return maxX - minX + 1;
        }

        public int height() {
            return maxY - minY + 1;
        }
    }

    private final int[][] ids;
    private final List<Component> components;

    private ConnectedComponents(int[][] ids, List<Component> components) {
        this.ids = ids;
        this.components = List.copyOf(components);
    }

    /** 8-connected components of a trainId map, ignore (255) excluded. */
    public static ConnectedComponents of(int[][] labels) {
        return of(labels, true, 255);
    }

    /**
     * Labels every pixel whose label is not {@code ignore} (pass −1 to label everything).
     *
     * @param eight 8-connectivity (diagonal neighbours connect) when true, else 4
     */
    public static ConnectedComponents of(int[][] labels, boolean eight, int ignore) {
        int h = labels.length;
        int w = h == 0 ? 0 : labels[0].length;
        int[][] ids = new int[h][w];
        for (int[] row : ids) {
            Arrays.fill(row, -1);
        }
        List<Component> comps = new ArrayList<>();
        int[] stack = new int[Math.max(16, h * w)];
        int[] dx = eight ? new int[] {1, -1, 0, 0, 1, 1, -1, -1} : new int[] {1, -1, 0, 0};
        int[] dy = eight ? new int[] {0, 0, 1, -1, 1, -1, 1, -1} : new int[] {0, 0, 1, -1};
        for (int y0 = 0; y0 < h; y0++) {
            for (int x0 = 0; x0 < w; x0++) {
                int label = labels[y0][x0];
                if (ids[y0][x0] >= 0 || label == ignore) {
                    continue;
                }
                int id = comps.size();
                int sp = 0;
                stack[sp++] = y0 * w + x0;
                ids[y0][x0] = id;
                long area = 0;
                int minX = x0;
                int maxX = x0;
                int minY = y0;
                int maxY = y0;
                while (sp > 0) {
                    int p = stack[--sp];
                    int y = p / w;
                    int x = p % w;
                    area++;
                    minX = Math.min(minX, x);
                    maxX = Math.max(maxX, x);
                    minY = Math.min(minY, y);
                    maxY = Math.max(maxY, y);
                    for (int k = 0; k < dx.length; k++) {
                        int nx = x + dx[k];
                        int ny = y + dy[k];
                        if (nx >= 0 && ny >= 0 && nx < w && ny < h && ids[ny][nx] < 0 && labels[ny][nx] == label) {
                            ids[ny][nx] = id;
                            stack[sp++] = ny * w + nx;
                        }
                    }
                }
                comps.add(new Component(id, label, area, minX, minY, maxX, maxY));
            }
        }
        return new ConnectedComponents(ids, comps);
    }

    public List<Component> components() {
        return components;
    }

    /** Components smaller than {@code maxArea} pixels (strict), e.g. the thesis's SCR threshold 3000. */
    public List<Component> smallerThan(long maxArea) {
        return components.stream().filter(c -> c.area() < maxArea).toList();
    }

    /** The component id of a pixel (−1 for ignored pixels). */
    public int idAt(int x, int y) {
        return ids[y][x];
    }

    /** The mask of one component over its bounding box ([height][width], true inside). */
    public boolean[][] mask(Component c) {
        boolean[][] m = new boolean[c.height()][c.width()];
        for (int y = c.minY(); y <= c.maxY(); y++) {
            for (int x = c.minX(); x <= c.maxX(); x++) {
                m[y - c.minY()][x - c.minX()] = ids[y][x] == c.id();
            }
        }
        return m;
    }
}
