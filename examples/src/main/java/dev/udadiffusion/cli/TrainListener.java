package dev.udadiffusion.cli;

import dev.udadiffusion.core.train.Trainer;
import dev.udadiffusion.core.train.TrainingLoop;
import java.io.PrintWriter;

/** Progress bar with loss, lr, it/s and ETA, plus a nanoGPT-style line every N steps. */
final class TrainListener implements TrainingLoop.Listener {

    private final PrintWriter out;
    private final long logEvery;

    TrainListener(PrintWriter out, long logEvery) {
        this.out = out;
        this.logEvery = logEvery;
    }

    @Override
    public void onStep(long step, long total, Trainer.StepResult r, double sps) {
        double eta = sps * (total - step);
        if (!Progress.INTERACTIVE) { // logs get the periodic lines only
            if (logEvery > 0 && step % logEvery == 0 || step == total) {
                out.printf("iter %d: loss %.4f%s, lr %.3g, grad norm %.3f, %.0fms/it (%.2f it/s), %d/%d, ETA %s%n", step,
                        r.loss(), terms(r), r.lr(), r.gradNorm(), sps * 1000, 1 / sps, step, total, Progress.time(eta));
                out.flush();
            }
            return;
        }
        out.printf("\rstep %d/%d loss %.4f lr %.3g %.2f it/s ETA %s   ", step, total, r.loss(), r.lr(), 1 / sps,
                Progress.time(eta));
        if (logEvery > 0 && step % logEvery == 0) {
            out.printf("%niter %d: loss %.4f%s, lr %.3g, grad norm %.3f, %.0fms/it%n", step, r.loss(), terms(r), r.lr(), r.gradNorm(),
                    sps * 1000);
        }
        out.flush();
    }

    /** " (source 0.81, mix 0.42)" for a step with named loss terms, else "". */
    static String terms(Trainer.StepResult r) {
        if (r.terms().isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder(" (");
        r.terms().forEach((k, v) -> b.append(b.length() > 2 ? ", " : "").append(k).append(' ').append(String.format(java.util.Locale.ROOT, "%.4f", v)));
        return b.append(')').toString();
    }
}
