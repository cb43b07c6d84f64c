package dev.udadiffusion.data.toyworld;

/**
 * The scene statistics of one domain: where the horizon sits, how wide roads are, how many objects of each kind a
 * scene holds on average (Poisson), how tall buildings are, how much of the image the ego-vehicle hood covers. The two
 * domains share the scene grammar and differ in these numbers — the layout half of the domain gap.
 */
public record Layout(double horizonMin, double horizonMax, double roadHalfWidthMin, double roadHalfWidthMax, double cars,
        double persons, double riders, double poles, double trees, double trucks, double buses, double trainChance,
        double buildingHeight, double hoodHeight) {

    /** The "game": higher horizon, fewer people, taller buildings, a small hood. */
    public static final Layout SOURCE = new Layout(0.36, 0.46, 2.0, 3.0, 3.5, 3.0, 0.8, 4, 3.0, 0.45, 0.3, 0.08, 1.0, 0.05);

    /** The "real" city: lower horizon, denser traffic and pedestrians, lower buildings, a larger hood. */
    public static final Layout TARGET = new Layout(0.42, 0.52, 1.7, 2.7, 5.0, 5.0, 1.2, 5, 2.5, 0.3, 0.25, 0.1, 0.8, 0.09);
}
