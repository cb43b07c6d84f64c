package dev.udadiffusion.core.parity;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Pass thresholds for one output: max |got − ref| and ||got − ref||₂ / ||ref||₂. */
public record Tolerance(double maxAbs, double relL2) {

    private static final Pattern SUGGESTED = Pattern.compile(
            "Suggested tolerance[^:]*:\\s*max abs error\\s*(\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)\\s*,\\s*relative L2 error\\s*(\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)");

    /** Exact equality (integer outputs such as token ids or timesteps). */
    public static final Tolerance EXACT = new Tolerance(0, 0);

    /**
     * The tolerance a fixture's {@code notes.md} suggests in its standard sentence
     * ("Suggested tolerance: max abs error 1e-04, relative L2 error 1e-04"), if it has one.
     */
    public static Optional<Tolerance> suggestedIn(String notes) {
        if (notes == null) {
            return Optional.empty();
        }
        Matcher m = SUGGESTED.matcher(notes);
        if (!m.find()) {
            return Optional.empty();
        }
        return Optional.of(new Tolerance(Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2))));
    }

    public boolean accepts(double gotMaxAbs, double gotRelL2) {
        return gotMaxAbs <= maxAbs && gotRelL2 <= relL2;
    }

    @Override
    public String toString() {
        return String.format("max abs %.0e, relL2 %.0e", maxAbs, relL2);
    }
}
