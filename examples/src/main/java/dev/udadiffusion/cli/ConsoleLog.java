package dev.udadiffusion.cli;

import dev.udadiffusion.core.train.TrainingLoop;
import dev.udadiffusion.data.io.Datasets;
import dev.udadiffusion.segformer.SegformerModel;
import dev.udadiffusion.segformer.eval.ConfusionMatrix;
import dev.udadiffusion.segformer.eval.Evaluator;
import dev.udadiffusion.experiments.ExperimentLog;
import java.io.PrintWriter;

/** An experiment's log on the terminal: lines as they come, {@link Progress} bars, {@link TrainListener} training lines. */
final class ConsoleLog implements ExperimentLog {

    private final PrintWriter out;

    ConsoleLog(PrintWriter out) {
        this.out = out;
    }

    @Override
    public void line(String text) {
        out.println(text);
        out.flush();
    }

    @Override
    public Bar bar(String label, long total) {
        Progress p = new Progress(out, label, total);
        return new Bar() {
            @Override
            public void update(long done, String detail) {
                p.update(done, detail);
            }

            @Override
            public void skip(long units) {
                p.skip(units);
            }

            @Override
            public void log(String text) {
                p.log(text);
            }

            @Override
            public void finish() {
                p.finish();
            }
        };
    }

    /** Evaluates {@code model} on {@code set} with a progress bar named {@code label}. */
    ConfusionMatrix evaluate(String label, SegformerModel model, Datasets.Listing set, Evaluator.Options opts) {
        Bar bar = bar(label, set.samples().size());
        ConfusionMatrix cm = Evaluator.run(model, set, opts, (done, total, s) -> bar.update(done, ""));
        bar.finish();
        return cm;
    }

    @Override
    public TrainingLoop.Listener training(long logEvery) {
        return new TrainListener(out, logEvery);
    }
}
