package dev.udadiffusion.data.toyworld;

import dev.udadiffusion.data.labels.CityscapesClasses;
import dev.udadiffusion.data.toyworld.Shape.Part;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A procedural street scene seen from a car: the shapes in painting order (later ones cover earlier ones), plus the
 * camera geometry the styles need (horizon height and vanishing point). Objects stand on a flat ground plane: a point
 * at lateral offset {@code l} (in camera heights) and image depth {@code d} (distance below the horizon, proportional
 * to 1/Z) projects to {@code (vx + l·d, horizon + d)}, and an object {@code m} metres tall appears {@code m/1.5·d}
 * tall — so sizes, occlusion order and perspective are consistent with one pinhole camera 1.5 m above the road.
 */
public record Scene(List<Shape> shapes, double aspect, double horizon, double vanishingX, double roadCenter,
        double roadHalfWidth) {

    static final double CAMERA_HEIGHT = 1.5;

    /** Class ids used below, by name (Cityscapes trainIds). */
    static final int ROAD = 0, SIDEWALK = 1, BUILDING = 2, WALL = 3, FENCE = 4, POLE = 5, LIGHT = 6, SIGN = 7,
            VEGETATION = 8, TERRAIN = 9, SKY = 10, PERSON = 11, RIDER = 12, CAR = 13, TRUCK = 14, BUS = 15, TRAIN = 16,
            MOTORCYCLE = 17, BICYCLE = 18, IGNORE = CityscapesClasses.IGNORE;

    /** One scene of {@code layout}, entirely determined by {@code r}'s state. */
    public static Scene generate(Layout layout, double aspect, SplittableRandom r) {
        return new Builder(layout, aspect, r).build();
    }

    private static final class Builder {
        final Layout lay;
        final double a;
        final SplittableRandom r;
        final double h;
        final double vx;
        final double c;
        final double R;
        final double depthMax;
        final List<Shape> background = new ArrayList<>();
        final List<Obj> objects = new ArrayList<>();
        int instance = 1;

        /** Shapes of one object, painted together at the object's depth (nearer objects later). */
        record Obj(double depth, List<Shape> shapes) {
        }

        Builder(Layout lay, double aspect, SplittableRandom r) {
            this.lay = lay;
            this.a = aspect;
            this.r = r;
            this.h = u(lay.horizonMin(), lay.horizonMax());
            this.vx = a * u(0.4, 0.6);
            this.R = u(lay.roadHalfWidthMin(), lay.roadHalfWidthMax());
            this.c = u(-0.4, 0.4);
            this.depthMax = 1 - h;
        }

        double u(double lo, double hi) {
            return lo + (hi - lo) * r.nextDouble();
        }

        int poisson(double mean) {
            double l = Math.exp(-mean);
            int k = 0;
            double p = r.nextDouble();
            while (p > l) {
                k++;
                p *= r.nextDouble();
            }
            return k;
        }

        /** Image depth of a random object, log-uniform so that far (small) objects are common. */
        double depth(double nearest) {
            double lo = Math.log(0.05 * depthMax);
            double hi = Math.log(nearest * depthMax);
            return Math.exp(u(lo, hi));
        }

        double gx(double l, double d) {
            return vx + l * d;
        }

        double gy(double d) {
            return h + d;
        }

        /** Metres at depth d in scene units. */
        double m(double metres, double d) {
            return metres / CAMERA_HEIGHT * d;
        }

        Scene build() {
            sky();
            skyline();
            ground();
            for (int side = -1; side <= 1; side += 2) {
                sideStructures(side);
            }
            for (int i = poisson(lay.poles()); i-- > 0;) {
                pole();
            }
            for (int i = poisson(lay.trees()); i-- > 0;) {
                tree();
            }
            for (int i = poisson(lay.cars()); i-- > 0;) {
                vehicle(CAR);
            }
            for (int i = poisson(lay.trucks()); i-- > 0;) {
                vehicle(TRUCK);
            }
            for (int i = poisson(lay.buses()); i-- > 0;) {
                vehicle(BUS);
            }
            if (r.nextDouble() < lay.trainChance()) {
                train();
            }
            for (int i = poisson(lay.persons()); i-- > 0;) {
                person();
            }
            for (int i = poisson(lay.riders()); i-- > 0;) {
                rider();
            }
            List<Shape> all = new ArrayList<>(background);
            objects.sort(Comparator.comparingDouble(Obj::depth));
            for (Obj o : objects) {
                all.addAll(o.shapes());
            }
            hood(all);
            return new Scene(List.copyOf(all), a, h, vx, c, R);
        }

        void sky() {
            background.add(Shape.rect(SKY, 0, Part.SKY, r.nextDouble(), 0, 0, a, h + 0.01));
        }

        /** Far buildings and tree lines on the horizon, with gaps of sky. */
        void skyline() {
            double x = -u(0, 0.1);
            while (x < a) {
                double w = u(0.06, 0.3);
                double p = r.nextDouble();
                if (p < 0.62) {
                    double top = h - u(0.04, 0.32) * lay.buildingHeight();
                    background.add(Shape.rect(BUILDING, instance++, Part.SKYLINE, r.nextDouble(), x, top, x + w, h + 0.01));
                } else if (p < 0.88) {
                    double ry = u(0.03, 0.1);
                    background.add(Shape.ellipse(VEGETATION, instance++, Part.CROWN, r.nextDouble(), x + w / 2, h - ry * 0.6,
                            w / 2, ry));
                }
                x += w;
            }
        }

        void ground() {
            background.add(Shape.rect(TERRAIN, instance++, Part.GROUND, r.nextDouble(), 0, h, a, 1));
            double far = 0.002;
            double near = depthMax * 1.2;
            // road and sidewalks as perspective quads between lateral offsets: vertices at depth far and near
            band(ROAD, Part.ROAD, c - R, c + R, far, near);
            for (int side = -1; side <= 1; side += 2) {
                if (r.nextDouble() < 0.9) {
                    double sw = u(1.0, 1.8);
                    double inner = c + side * R;
                    double outer = inner + side * sw;
                    band(SIDEWALK, Part.SIDEWALK, Math.min(inner, outer), Math.max(inner, outer), far, near);
                }
            }
        }

        void band(int cls, Part part, double l0, double l1, double d0, double d1) {
            background.add(Shape.polygon(cls, instance++, part, r.nextDouble(),
                    new double[] {gx(l0, d0), gx(l1, d0), gx(l1, d1), gx(l0, d1)},
                    new double[] {gy(d0), gy(d0), gy(d1), gy(d1)}));
        }

        /** Facades, walls, fences and hedges along one side of the street, from far to near. */
        void sideStructures(int side) {
            double l = c + side * (R + u(1.0, 2.0));
            double d = 0.01;
            while (d < depthMax * 1.1) {
                double len = d * u(0.5, 1.4) + 0.03;
                double p = r.nextDouble();
                int cls;
                double height;
                Part part = Part.FACADE; // a side quad; the class decides its texture
                if (p < 0.5) {
                    cls = BUILDING;
                    height = u(6, 18) * lay.buildingHeight();
                } else if (p < 0.62) {
                    cls = WALL;
                    height = u(1.0, 2.5);
                } else if (p < 0.74) {
                    cls = FENCE;
                    height = u(1.0, 1.8);
                } else if (p < 0.9) {
                    cls = VEGETATION;
                    height = u(1.0, 3.0);
                    part = Part.CROWN;
                } else {
                    cls = -1; // open terrain
                    height = 0;
                }
                double d1 = d + len;
                if (cls >= 0) {
                    Shape s = Shape.polygon(cls, instance++, part, r.nextDouble(),
                            new double[] {gx(l, d), gx(l, d1), gx(l, d1), gx(l, d)},
                            new double[] {gy(d), gy(d1), gy(d1) - m(height, d1), gy(d) - m(height, d)});
                    objects.add(new Obj(d, List.of(s)));
                }
                d = d1;
            }
        }

        /** A lateral offset on a sidewalk (or just beyond), left or right. */
        double sidewalkLateral() {
            int side = r.nextBoolean() ? -1 : 1;
            return c + side * (R + u(0.3, 1.3));
        }

        void pole() {
            double d = depth(0.9);
            double l = sidewalkLateral();
            int id = instance++;
            double x = gx(l, d);
            double y = gy(d);
            double w = Math.max(m(0.2, d), 0.004);
            double top = y - m(u(4, 7), d);
            List<Shape> s = new ArrayList<>();
            s.add(Shape.rect(POLE, id, Part.POLE, r.nextDouble(), x - w / 2, top, x + w / 2, y));
            double p = r.nextDouble();
            if (p < 0.45) {
                double bw = m(0.4, d);
                double bh = m(1.0, d);
                double off = l < c ? bw : -bw; // hangs over the road side
                s.add(Shape.rect(LIGHT, instance++, Part.BOX, r.nextDouble(), x + off - bw / 2, top, x + off + bw / 2,
                        top + bh));
            }
            if (p > 0.3) {
                double sw = m(0.7, d);
                double sy = y - m(u(2.2, 3.2), d);
                Shape sign = r.nextBoolean()
                        ? Shape.rect(SIGN, instance++, Part.PANEL, r.nextDouble(), x - sw / 2, sy - sw, x + sw / 2, sy)
                        : Shape.ellipse(SIGN, instance++, Part.PANEL, r.nextDouble(), x, sy - sw / 2, sw / 2, sw / 2);
                s.add(sign);
            }
            objects.add(new Obj(d, s));
        }

        void tree() {
            double d = depth(0.8);
            double l = sidewalkLateral() + (r.nextBoolean() ? 0.8 : 0);
            int id = instance++;
            double x = gx(l, d);
            double y = gy(d);
            double trunkTop = y - m(u(2, 3.5), d);
            double crownR = m(u(1.5, 3.0), d);
            objects.add(new Obj(d, List.of(
                    Shape.rect(VEGETATION, id, Part.TRUNK, r.nextDouble(), x - m(0.18, d), trunkTop, x + m(0.18, d), y),
                    Shape.ellipse(VEGETATION, id, Part.CROWN, r.nextDouble(), x, trunkTop - crownR * 0.7, crownR,
                            crownR * u(0.8, 1.1)))));
        }

        /** Rear view of a car, truck or bus in a lane, or parked at the kerb. */
        void vehicle(int cls) {
            double d = depth(0.85);
            double width = cls == CAR ? u(1.7, 1.95) : u(2.4, 2.6);
            double height = cls == CAR ? u(1.4, 1.6) : cls == TRUCK ? u(2.8, 3.6) : u(3.0, 3.3);
            double lw = width / CAMERA_HEIGHT;
            double l = c + u(-R + lw / 2, R - lw / 2);
            int id = instance++;
            double tone = r.nextDouble();
            double x = gx(l, d);
            double y = gy(d);
            double hw = m(width, d) / 2;
            List<Shape> s = new ArrayList<>();
            double wheel = m(0.35, d);
            s.add(Shape.rect(cls, id, Part.WHEEL, tone, x - hw * 0.9, y - wheel, x - hw * 0.55, y));
            s.add(Shape.rect(cls, id, Part.WHEEL, tone, x + hw * 0.55, y - wheel, x + hw * 0.9, y));
            if (cls == CAR) {
                double body = m(0.9, d);
                s.add(Shape.rect(cls, id, Part.BODY, tone, x - hw, y - wheel * 0.6 - body, x + hw, y - wheel * 0.6));
                double top = y - m(height, d);
                double base = y - wheel * 0.6 - body;
                s.add(Shape.polygon(cls, id, Part.CABIN, tone, new double[] {x - hw * 0.9, x + hw * 0.9, x + hw * 0.7,
                    x - hw * 0.7}, new double[] {base, base, top, top}));
            } else {
                s.add(Shape.rect(cls, id, Part.BODY, tone, x - hw, y - m(height, d), x + hw, y - wheel * 0.6));
                if (cls == TRUCK) {
                    s.add(Shape.rect(cls, id, Part.CABIN, tone, x - hw * 0.8, y - m(height, d) - m(0.4, d), x + hw * 0.8,
                            y - m(height, d) + 0.001));
                }
            }
            objects.add(new Obj(d, s));
        }

        /** A tram along the road: a long side quad in a lane. */
        void train() {
            double d = depth(0.5);
            double d1 = Math.min(d * u(2.0, 3.0), depthMax * 0.95);
            double l = c + u(-R * 0.6, R * 0.6);
            int id = instance++;
            double tone = r.nextDouble();
            double hgt = u(3.3, 3.8);
            objects.add(new Obj(d1, List.of(Shape.polygon(TRAIN, id, Part.FACADE, tone,
                    new double[] {gx(l, d), gx(l, d1), gx(l, d1), gx(l, d)},
                    new double[] {gy(d) - m(0.3, d), gy(d1) - m(0.3, d1), gy(d1) - m(hgt, d1), gy(d) - m(hgt, d)}),
                    Shape.rect(TRAIN, id, Part.CABIN, tone, gx(l, d1) - m(1.35, d1), gy(d1) - m(hgt, d1),
                            gx(l, d1) + m(1.35, d1), gy(d1) - m(0.3, d1)))));
        }

        /** A standing or walking person; on the sidewalk mostly, sometimes crossing. */
        void person() {
            double d = depth(0.8);
            double l = r.nextDouble() < 0.8 ? sidewalkLateral() : c + u(-R, R);
            objects.add(new Obj(d, figure(PERSON, instance++, gx(l, d), gy(d), d, u(1.55, 1.9), 0)));
        }

        /** Head, torso and legs {@code lift} metres above the ground (riders sit on their bikes). */
        List<Shape> figure(int cls, int id, double x, double y, double d, double tall, double lift) {
            double tone = r.nextDouble();
            double base = y - m(lift, d);
            double legs = m(tall * 0.47, d);
            double torso = m(tall * 0.38, d);
            double head = m(tall * 0.15, d);
            double w = m(0.45, d);
            List<Shape> s = new ArrayList<>();
            if (lift == 0) {
                s.add(Shape.rect(cls, id, Part.WHEEL, tone, x - w * 0.35, base - legs, x + w * 0.35, base));
            }
            s.add(Shape.rect(cls, id, Part.BODY, tone, x - w / 2, base - legs - torso, x + w / 2, base - legs + 0.001));
            s.add(Shape.ellipse(cls, id, Part.HEAD, tone, x, base - legs - torso - head / 2, w * 0.3, head / 2));
            return s;
        }

        /** A cyclist or motorcyclist near the kerb, seen from the side: the bike, then the rider on it. */
        void rider() {
            double d = depth(0.8);
            boolean moto = r.nextDouble() < 0.35;
            int bike = moto ? MOTORCYCLE : BICYCLE;
            double side = r.nextBoolean() ? -1 : 1;
            double l = c + side * (R - u(0.3, 0.8));
            double x = gx(l, d);
            double y = gy(d);
            double len = m(moto ? 2.0 : 1.7, d);
            double wr = m(moto ? 0.32 : 0.34, d);
            int id = instance++;
            double tone = r.nextDouble();
            List<Shape> s = new ArrayList<>();
            s.add(Shape.ellipse(bike, id, Part.WHEEL, tone, x - len / 2 + wr, y - wr, wr, wr));
            s.add(Shape.ellipse(bike, id, Part.WHEEL, tone, x + len / 2 - wr, y - wr, wr, wr));
            double frameTop = y - m(moto ? 1.0 : 0.95, d);
            s.add(Shape.polygon(bike, id, Part.BODY, tone, new double[] {x - len / 2 + wr, x + len / 2 - wr,
                x + len / 4, x - len / 4}, new double[] {y - wr, y - wr, frameTop, frameTop}));
            s.addAll(figure(RIDER, instance++, x, y, d, u(1.6, 1.85), moto ? 0.75 : 0.85));
            objects.add(new Obj(d, s));
        }

        /** The ego vehicle's bonnet at the bottom edge: not a class (ignore). */
        void hood(List<Shape> all) {
            double hh = lay.hoodHeight() * u(0.85, 1.15);
            all.add(Shape.ellipse(IGNORE, 0, Part.HOOD, r.nextDouble(), a / 2, 1 + hh * 0.6, a * 0.62, hh * 1.6));
        }
    }
}
