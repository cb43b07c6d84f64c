package dev.udadiffusion.controlnet.generate;

import dev.udadiffusion.data.components.ConnectedComponents;
import dev.udadiffusion.data.components.ConnectedComponents.Component;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Small Components Refinement (thesis §3.5.2): connected components of the conditioning mask smaller than an area
 * threshold are regenerated at full generation resolution — a crop around the component (same aspect as the image),
 * its mask upsampled with nearest neighbour to the generation size, regenerated with the same ControlNet and prompt,
 * downscaled and pasted back with a feathered edge so no seam shows. Pixels outside the refined crops are untouched.
 * The regeneration itself is a {@link Regenerator}, so the strategy is independent of the diffusion pipeline.
 */
public final class SmallComponentsRefinement {

    /**
     * @param areaAt512 area threshold in pixels at 512×512 (thesis: 3000); scaled with the image area
     * @param maxRefinements at most this many components are refined per image (thesis: 20), smallest first
     * @param context the crop spans this many times the component's bounding box (at least a quarter of the image)
     * @param feather width in pixels of the linear blend at the crop border
     */
    public record Options(long areaAt512, int maxRefinements, double context, int feather) implements java.io.Serializable {
        public static final Options THESIS = new Options(3000, 20, 3.0, 2);

        public Options {
            if (areaAt512 < 1 || maxRefinements < 0 || context < 1 || feather < 0) {
                throw new IllegalArgumentException("SCR options: area " + areaAt512 + ", max " + maxRefinements
                        + ", context " + context + ", feather " + feather);
            }
        }

        /** The threshold for a {@code w}×{@code h} image: {@code areaAt512 · w·h / 512²}, at least 1 pixel. */
        public long threshold(int w, int h) {
            return Math.max(1, Math.round(areaAt512 * (double) w * h / (512.0 * 512.0)));
        }
    }

    /** Regenerates an image of the full generation size for the (upsampled) crop mask. */
    @FunctionalInterface
    public interface Regenerator {
        BufferedImage regenerate(int[][] cropMask, Crop crop);

        /**
         * All crops of one image; a generator overrides this to denoise them as one batch. Generation reads only the
         * crop masks, never the image, so batching does not change what is pasted.
         */
        default List<BufferedImage> regenerateAll(List<int[][]> cropMasks, List<Crop> crops) {
            List<BufferedImage> out = new ArrayList<>();
            for (int i = 0; i < crops.size(); i++) {
                out.add(regenerate(cropMasks.get(i), crops.get(i)));
            }
            return out;
        }
    }

    /**
     * Decides whether a refined crop is kept (e.g. a segmenter's IoU on the component improved, see
     * {@link #componentIoU}); {@code mask} is the whole conditioning mask.
     */
    @FunctionalInterface
    public interface Acceptor {
        boolean accept(BufferedImage before, BufferedImage after, Crop crop, int[][] mask);
    }

    /**
     * IoU of the component's class between a prediction and the conditioning mask, inside the crop rectangle (1 when
     * neither has the class there) — the score an acceptance check compares before and after a refinement.
     */
    public static double componentIoU(int[][] prediction, int[][] mask, Crop c) {
        int k = c.component().label();
        long inter = 0;
        long union = 0;
        for (int y = c.y0(); y < c.y0() + c.height(); y++) {
            for (int x = c.x0(); x < c.x0() + c.width(); x++) {
                boolean p = prediction[y][x] == k;
                boolean m = mask[y][x] == k;
                inter += p && m ? 1 : 0;
                union += p || m ? 1 : 0;
            }
        }
        return union == 0 ? 1.0 : inter / (double) union;
    }

    /** One planned refinement: the component and its crop rectangle (x0, y0, width, height) in image pixels. */
    public record Crop(Component component, int x0, int y0, int width, int height) {
    }

    /** What was done: the refined image and, per crop, whether it was accepted. */
    public record Result(BufferedImage image, List<Crop> crops, List<Boolean> accepted) {
        public long refined() {
            return accepted.stream().filter(a -> a).count();
        }
    }

    private SmallComponentsRefinement() {
    }

    /** The crops to refine: components under the threshold, smallest first, at most {@code maxRefinements}. */
    public static List<Crop> plan(int[][] mask, Options o) {
        int h = mask.length;
        int w = mask[0].length;
        long threshold = o.threshold(w, h);
        List<Component> small = new ArrayList<>(ConnectedComponents.of(mask).smallerThan(threshold));
        small.sort(Comparator.comparingLong(Component::area).thenComparingInt(Component::id));
        List<Crop> crops = new ArrayList<>();
        double aspect = w / (double) h;
        for (Component c : small.subList(0, Math.min(o.maxRefinements(), small.size()))) {
            double cw = Math.max(Math.max(o.context() * c.width(), o.context() * c.height() * aspect), w / 4.0);
            int cropW = (int) Math.min(w, Math.round(cw));
            int cropH = (int) Math.min(h, Math.max(1, Math.round(cropW / aspect)));
            double cx = (c.minX() + c.maxX() + 1) / 2.0;
            double cy = (c.minY() + c.maxY() + 1) / 2.0;
            int x0 = (int) Math.max(0, Math.min(w - cropW, Math.round(cx - cropW / 2.0)));
            int y0 = (int) Math.max(0, Math.min(h - cropH, Math.round(cy - cropH / 2.0)));
            crops.add(new Crop(c, x0, y0, cropW, cropH));
        }
        return crops;
    }

    /** The crop's mask upsampled with nearest neighbour to {@code outW}×{@code outH}. */
    public static int[][] cropMask(int[][] mask, Crop c, int outW, int outH) {
        int[][] out = new int[outH][outW];
        for (int y = 0; y < outH; y++) {
            int sy = c.y0() + Math.min(c.height() - 1, (int) ((y + 0.5) * c.height() / outH));
            for (int x = 0; x < outW; x++) {
                out[y][x] = mask[sy][c.x0() + Math.min(c.width() - 1, (int) ((x + 0.5) * c.width() / outW))];
            }
        }
        return out;
    }

    /** Plans and applies the refinements in order (later crops see earlier refinements). */
    public static Result refine(BufferedImage image, int[][] mask, Options o, Regenerator regen, Acceptor acceptor) {
        List<Crop> crops = plan(mask, o);
        List<int[][]> cropMasks = new ArrayList<>();
        for (Crop c : crops) {
            cropMasks.add(cropMask(mask, c, image.getWidth(), image.getHeight()));
        }
        List<BufferedImage> regenerated = crops.isEmpty() ? List.of() : regen.regenerateAll(cropMasks, crops);
        return apply(image, mask, o, crops, regenerated, acceptor);
    }

    /**
     * Pastes already regenerated crops (one full-size image per planned crop, in {@link #plan} order) — for callers that
     * denoise the crops of many images together.
     */
    public static Result apply(BufferedImage image, int[][] mask, Options o, List<Crop> crops, List<BufferedImage> regenerated,
            Acceptor acceptor) {
        if (regenerated.size() != crops.size()) {
            throw new IllegalStateException("regenerator returned " + regenerated.size() + " images for " + crops.size() + " crops");
        }
        BufferedImage cur = copy(image);
        List<Boolean> accepted = new ArrayList<>();
        for (int i = 0; i < crops.size(); i++) {
            Crop c = crops.get(i);
            BufferedImage full = regenerated.get(i);
            BufferedImage patch = downscale(full, c.width(), c.height());
            BufferedImage next = paste(cur, patch, c, o.feather());
            boolean ok = acceptor == null || acceptor.accept(cur, next, c, mask);
            accepted.add(ok);
            if (ok) {
                cur = next;
            }
        }
        return new Result(cur, crops, accepted);
    }

    /** Box-filter (area) downscale; exact average when the sizes divide. */
    static BufferedImage downscale(BufferedImage src, int w, int h) {
        int sw = src.getWidth();
        int sh = src.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            int y0 = y * sh / h;
            int y1 = Math.max(y0 + 1, (y + 1) * sh / h);
            for (int x = 0; x < w; x++) {
                int x0 = x * sw / w;
                int x1 = Math.max(x0 + 1, (x + 1) * sw / w);
                long r = 0;
                long g = 0;
                long b = 0;
                for (int yy = y0; yy < y1; yy++) {
                    for (int xx = x0; xx < x1; xx++) {
                        int p = src.getRGB(xx, yy);
                        r += (p >> 16) & 255;
                        g += (p >> 8) & 255;
                        b += p & 255;
                    }
                }
                long n = (long) (y1 - y0) * (x1 - x0);
                out.setRGB(x, y, (int) ((r + n / 2) / n) << 16 | (int) ((g + n / 2) / n) << 8 | (int) ((b + n / 2) / n));
            }
        }
        return out;
    }

    /**
     * The patch blended into a copy of {@code img} at the crop: weight 1 inside, ramping linearly to 0 over
     * {@code feather} pixels at crop borders that lie inside the image (an image border needs no blending).
     */
    static BufferedImage paste(BufferedImage img, BufferedImage patch, Crop c, int feather) {
        BufferedImage out = copy(img);
        for (int y = 0; y < c.height(); y++) {
            for (int x = 0; x < c.width(); x++) {
                int ix = c.x0() + x;
                int iy = c.y0() + y;
                double a = 1;
                if (feather > 0) {
                    a = Math.min(a, c.x0() == 0 ? 1 : (x + 0.5) / feather);
                    a = Math.min(a, c.y0() == 0 ? 1 : (y + 0.5) / feather);
                    a = Math.min(a, c.x0() + c.width() == img.getWidth() ? 1 : (c.width() - x - 0.5) / feather);
                    a = Math.min(a, c.y0() + c.height() == img.getHeight() ? 1 : (c.height() - y - 0.5) / feather);
                    a = Math.min(1, a);
                }
                int p = patch.getRGB(x, y);
                int q = img.getRGB(ix, iy);
                int v = 0;
                for (int s = 16; s >= 0; s -= 8) {
                    double m = a * ((p >> s) & 255) + (1 - a) * ((q >> s) & 255);
                    v |= (int) Math.round(m) << s;
                }
                out.setRGB(ix, iy, v);
            }
        }
        return out;
    }

    private static BufferedImage copy(BufferedImage img) {
        BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        out.getGraphics().drawImage(img, 0, 0, null);
        return out;
    }
}
