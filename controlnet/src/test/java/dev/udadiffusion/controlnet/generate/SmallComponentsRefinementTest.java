package dev.udadiffusion.controlnet.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.controlnet.generate.SmallComponentsRefinement.Crop;
import dev.udadiffusion.controlnet.generate.SmallComponentsRefinement.Options;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SmallComponentsRefinementTest {

    /** 128×64: road below, sky above, a 4×5 person (20 px), a 10×10 sign (100 px) and a 3×3 pole top (9 px). */
    static int[][] mask() {
        int[][] m = new int[64][128];
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 128; x++) {
                m[y][x] = y < 30 ? 10 : 0;
            }
        }
        fill(m, 40, 40, 4, 5, 11);
        fill(m, 100, 10, 10, 10, 7);
        fill(m, 5, 5, 3, 3, 5);
        return m;
    }

    static void fill(int[][] m, int x0, int y0, int w, int h, int v) {
        for (int y = y0; y < y0 + h; y++) {
            for (int x = x0; x < x0 + w; x++) {
                m[y][x] = v;
            }
        }
    }

    static BufferedImage flat(int w, int h, int rgb) {
        BufferedImage b = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                b.setRGB(x, y, rgb);
            }
        }
        return b;
    }

    @Test
    void thresholdScalesWithAreaAndSmallestComponentsComeFirst() {
        assertEquals(94, Options.THESIS.threshold(128, 64)); // 3000 · 8192 / 262144 = 93.75
        assertEquals(3000, Options.THESIS.threshold(512, 512));
        List<Crop> crops = SmallComponentsRefinement.plan(mask(), Options.THESIS);
        // the 100-px sign is above the threshold; pole top (9) then person (20)
        assertEquals(2, crops.size());
        assertEquals(5, crops.get(0).component().label());
        assertEquals(11, crops.get(1).component().label());
        assertEquals(1, SmallComponentsRefinement.plan(mask(), new Options(3000, 1, 3, 2)).size());
        for (Crop c : crops) {
            var k = c.component();
            assertTrue(c.x0() <= k.minX() && c.x0() + c.width() > k.maxX() && c.y0() <= k.minY()
                    && c.y0() + c.height() > k.maxY(), c.toString());
            assertTrue(c.x0() >= 0 && c.y0() >= 0 && c.x0() + c.width() <= 128 && c.y0() + c.height() <= 64, c.toString());
            assertEquals(2.0, c.width() / (double) c.height(), 0.05, "crop keeps the image aspect");
            assertEquals(32, c.width(), "at least a quarter of the image width");
        }
    }

    @Test
    void cropMaskIsANearestNeighbourEnlargement() {
        int[][] m = mask();
        Crop person = SmallComponentsRefinement.plan(m, Options.THESIS).get(1);
        int[][] up = SmallComponentsRefinement.cropMask(m, person, 128, 64);
        int scale = 128 / person.width(); // 4
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 128; x++) {
                assertEquals(m[person.y0() + y / scale][person.x0() + x / scale], up[y][x], x + "," + y);
            }
        }
    }

    @Test
    void refinementChangesOnlyTheCropsBlendsTheirBordersAndHonoursTheAcceptor() {
        int[][] m = mask();
        BufferedImage img = flat(128, 64, 0x000000);
        List<int[][]> asked = new ArrayList<>();
        SmallComponentsRefinement.Result r = SmallComponentsRefinement.refine(img, m, Options.THESIS, (cm, c) -> {
            asked.add(cm);
            return flat(128, 64, 0xC8C8C8); // 200 grey
        }, null);
        assertEquals(2, asked.size());
        assertEquals(2, r.refined());
        boolean[][] inside = new boolean[64][128];
        for (Crop c : r.crops()) {
            for (int y = c.y0(); y < c.y0() + c.height(); y++) {
                for (int x = c.x0(); x < c.x0() + c.width(); x++) {
                    inside[y][x] = true;
                }
            }
        }
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 128; x++) {
                if (!inside[y][x]) {
                    assertEquals(0, r.image().getRGB(x, y) & 0xFFFFFF, "outside the crops at " + x + "," + y);
                }
            }
        }
        Crop person = r.crops().get(1);
        int cx = person.x0() + person.width() / 2;
        int cy = person.y0() + person.height() / 2;
        assertEquals(200, r.image().getRGB(cx, cy) & 255, "crop centre is the regenerated patch");
        // feather 2: the first column inside an interior crop border is weighted 0.25, the second 0.75
        assertEquals(Math.round(0.25 * 200), r.image().getRGB(person.x0(), cy) & 255);
        assertEquals(Math.round(0.75 * 200), r.image().getRGB(person.x0() + 1, cy) & 255);
        // the pole crop touches the image corner: no blending against the image border
        Crop pole = r.crops().get(0);
        assertEquals(0, pole.x0());
        assertEquals(200, r.image().getRGB(0, 0) & 255);
        // an acceptor that refuses everything leaves the image as it was
        SmallComponentsRefinement.Result none = SmallComponentsRefinement.refine(img, m, Options.THESIS,
                (cm, c) -> flat(128, 64, 0xFFFFFF), (before, after, c, mk) -> false);
        assertEquals(0, none.refined());
        for (int y = 0; y < 64; y += 7) {
            for (int x = 0; x < 128; x += 5) {
                assertEquals(0, none.image().getRGB(x, y) & 0xFFFFFF);
            }
        }
    }

    @Test
    void componentIoUComparesTheClassInsideTheCrop() {
        int[][] m = mask();
        Crop person = SmallComponentsRefinement.plan(m, Options.THESIS).get(1); // label 11, 4x5 at (40, 40)
        int[][] pred = new int[64][128];
        assertEquals(0.0, SmallComponentsRefinement.componentIoU(pred, m, person)); // person nowhere predicted
        fill(pred, 40, 40, 4, 5, 11);
        assertEquals(1.0, SmallComponentsRefinement.componentIoU(pred, m, person));
        fill(pred, 44, 40, 4, 5, 11); // 20 more predicted pixels beside it: 20 / 40
        assertEquals(0.5, SmallComponentsRefinement.componentIoU(pred, m, person));
        fill(pred, 0, 0, 3, 3, 11); // outside the crop: not counted
        assertEquals(0.5, SmallComponentsRefinement.componentIoU(pred, m, person));
    }

    @Test
    void downscaleAveragesBlocks() {
        BufferedImage src = new BufferedImage(4, 2, BufferedImage.TYPE_INT_RGB);
        src.setRGB(0, 0, 0x0000FF);
        src.setRGB(1, 0, 0x000001);
        src.setRGB(0, 1, 0x000003);
        src.setRGB(1, 1, 0x000005); // block (0,0): blue (255 + 1 + 3 + 5) / 4 = 66
        BufferedImage d = SmallComponentsRefinement.downscale(src, 2, 1);
        assertEquals(66, d.getRGB(0, 0) & 255);
        assertEquals(0, d.getRGB(1, 0) & 255);
    }

    /** A batching regenerator sees all crops of the image in one call, and the refined image is the sequential one. */
    @Test
    void batchedRegenerationPastesWhatSequentialRegenerationPastes() {
        int[][] m = mask();
        BufferedImage img = flat(128, 64, 0x336699);
        SmallComponentsRefinement.Regenerator perCrop = (cm, c) -> flat(cm[0].length, cm.length,
                0x010101 * (40 + 50 * c.component().label() % 200));
        List<Integer> calls = new ArrayList<>();
        SmallComponentsRefinement.Regenerator batched = new SmallComponentsRefinement.Regenerator() {
            @Override
            public BufferedImage regenerate(int[][] cropMask, Crop crop) {
                throw new AssertionError("the batched path must be used");
            }

            @Override
            public List<BufferedImage> regenerateAll(List<int[][]> masks, List<Crop> crops) {
                calls.add(crops.size());
                List<BufferedImage> out = new ArrayList<>();
                for (int k = 0; k < crops.size(); k++) {
                    out.add(perCrop.regenerate(masks.get(k), crops.get(k)));
                }
                return out;
            }
        };
        var seq = SmallComponentsRefinement.refine(img, m, Options.THESIS, perCrop, null);
        var bat = SmallComponentsRefinement.refine(img, m, Options.THESIS, batched, null);
        assertEquals(List.of(2), calls);
        assertEquals(2, seq.refined());
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 128; x++) {
                assertEquals(seq.image().getRGB(x, y), bat.image().getRGB(x, y), x + "," + y);
            }
        }
    }
}
