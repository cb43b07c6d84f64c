package dev.udadiffusion.data.toyworld;

import dev.udadiffusion.data.toyworld.Shape.Part;
import java.util.SplittableRandom;

/**
 * The source ("game") look: plausible, flat, over-saturated colours per class (not the label palette; ±10 % brightness
 * per instance), hard edges,
 * one light from the upper left (objects brighter at the top, facades on the right-hand side of the street in shade),
 * no texture and no noise.
 */
final class GameStyle implements Style {

    /** Colours per trainId; an instance's tone picks one. */
    static final int[][][] PALETTE = {
        {{105, 105, 112}}, // road
        {{190, 180, 165}}, // sidewalk
        {{176, 104, 72}, {214, 196, 150}, {130, 130, 150}}, // building
        {{205, 205, 190}}, // wall
        {{160, 112, 56}}, // fence
        {{85, 85, 92}}, // pole
        {{35, 35, 35}}, // traffic light
        {{30, 80, 220}, {225, 30, 30}}, // traffic sign
        {{40, 165, 40}}, // vegetation
        {{150, 205, 80}}, // terrain
        {{80, 150, 255}}, // sky
        {{225, 40, 40}, {40, 40, 225}, {240, 200, 30}, {30, 160, 60}}, // person
        {{250, 120, 0}, {120, 30, 200}}, // rider
        {{225, 20, 20}, {20, 70, 225}, {240, 240, 240}, {250, 205, 0}, {0, 160, 90}}, // car
        {{240, 240, 240}, {210, 90, 20}}, // truck
        {{250, 190, 0}, {205, 30, 30}}, // bus
        {{235, 235, 235}}, // train
        {{25, 25, 25}, {210, 20, 20}}, // motorcycle
        {{20, 120, 225}, {215, 215, 0}} // bicycle
    };

    private static final int[] GLASS = {80, 130, 200};
    private static final int[] TYRE = {28, 28, 28};
    private static final int[] SKIN = {240, 190, 150};
    private static final int[] HOOD = {50, 50, 58};

    @Override
    public float[][][] paint(Scene scene, int[][] owner, SplittableRandom r) {
        int h = owner.length;
        int w = owner[0].length;
        float[][][] img = new float[3][h][w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                Shape s = scene.shapes().get(owner[y][x]);
                double sx = (x + 0.5) / h;
                double sy = (y + 0.5) / h;
                int[] col = color(s);
                // instances differ a little in brightness (paint, wear): flat, but not one colour per class
                double shade = shade(scene, s, sx, sy) * (s.part() == Part.HOOD ? 1 : 0.9 + 0.2 * s.tone());
                for (int ch = 0; ch < 3; ch++) {
                    img[ch][y][x] = (float) Math.min(1, col[ch] / 255.0 * shade);
                }
            }
        }
        return img;
    }

    static int[] color(Shape s) {
        return Style.color(s, PALETTE, GLASS, TYRE, SKIN, HOOD);
    }

    private static double shade(Scene scene, Shape s, double x, double y) {
        return switch (s.part()) {
            case SKY, GROUND, ROAD, SIDEWALK, HOOD -> 1.0;
            case FACADE -> s.xs()[0] > scene.vanishingX() ? 0.72 : 1.0;
            default -> 1.12 - 0.24 * Style.local(s, x, y)[1];
        };
    }
}
