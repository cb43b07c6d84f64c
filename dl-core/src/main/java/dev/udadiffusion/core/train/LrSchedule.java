package dev.udadiffusion.core.train;

/**
 * Learning-rate schedules as diffusers' {@code get_scheduler} defines them (multiplier of the base lr at optimiser
 * step s, 0-based): constant; constant_with_warmup (s/warmup, then 1); linear (warmup, then linear decay to 0 at
 * total); polynomial (warmup, then (1 − progress)^power down to lrEnd/lr).
 */
@FunctionalInterface
public interface LrSchedule {

    double factor(long step);

    static LrSchedule constant() {
        return s -> 1.0;
    }

    static LrSchedule constantWithWarmup(long warmup) {
        return s -> s < warmup ? (double) s / Math.max(1, warmup) : 1.0;
    }

    static LrSchedule linear(long warmup, long total) {
        return s -> s < warmup ? (double) s / Math.max(1, warmup)
                : Math.max(0.0, (double) (total - s) / Math.max(1, total - warmup));
    }

    static LrSchedule polynomial(long warmup, long total, double lrEndRatio, double power) {
        return s -> {
            if (s < warmup) {
                return (double) s / Math.max(1, warmup);
            }
            if (s > total) {
                return lrEndRatio;
            }
            double remaining = 1.0 - (double) (s - warmup) / (total - warmup);
            return (1 - lrEndRatio) * Math.pow(remaining, power) + lrEndRatio;
        };
    }

    /**
     * mmcv's poly schedule with linear warmup (DAFormer, SegFormer): poly = (1 − step/total)^power (min lr 0) over the
     * whole run, and during the first {@code warmup} steps poly·(1 − (1 − step/warmup)(1 − warmupRatio)).
     */
    static LrSchedule mmcvPoly(long warmup, long total, double power, double warmupRatio) {
        return s -> {
            double poly = Math.pow(Math.max(0.0, 1.0 - (double) s / total), power);
            if (s < warmup) {
                return poly * (1 - (1 - (double) s / warmup) * (1 - warmupRatio));
            }
            return poly;
        };
    }

    /** By diffusers name: constant, constant_with_warmup, linear, polynomial. */
    static LrSchedule named(String name, long warmup, long total) {
        return switch (name) {
            case "constant" -> constant();
            case "constant_with_warmup" -> constantWithWarmup(warmup);
            case "linear" -> linear(warmup, total);
            case "polynomial" -> polynomial(warmup, total, 1e-7 / 1.0, 1.0);
            default -> throw new IllegalArgumentException("lr schedule " + name
                    + " is not supported (constant, constant_with_warmup, linear, polynomial)");
        };
    }
}
