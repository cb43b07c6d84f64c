package dev.udadiffusion.core.parity;

/** One output of one fixture: the error against the reference and the verdict. */
public record ParityResult(String fixture, String kind, String output, Status status, double maxAbs, double relL2,
        Tolerance tolerance, String message) {

    public enum Status { PASS, FAIL, SKIP }

    public boolean failed() {
        return status == Status.FAIL;
    }

    /** One aligned report line. */
    public String line() {
        return switch (status) {
            case PASS, FAIL -> String.format("%-4s %-22s %-40s max abs %.3e  relL2 %.3e  (tol %s)%s", status, fixture,
                    output, maxAbs, relL2, tolerance, message == null ? "" : "  " + message);
            case SKIP -> String.format("%-4s %-22s %s", status, fixture, message);
        };
    }
}
