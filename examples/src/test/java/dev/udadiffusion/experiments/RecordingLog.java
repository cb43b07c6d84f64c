package dev.udadiffusion.experiments;

import dev.udadiffusion.core.train.TrainingLoop;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** An {@link ExperimentLog} that records what an experiment reported: lines, bar labels and bar lines, training steps. */
public final class RecordingLog implements ExperimentLog {

    /** Lines in the order they came ("bar LABEL" when a bar starts, "LABEL: done/total" when it finishes). */
    public final List<String> lines = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void line(String text) {
        lines.add(text);
    }

    @Override
    public Bar bar(String label, long total) {
        lines.add("bar " + label);
        long[] last = {0};
        return new Bar() {
            @Override
            public synchronized void update(long done, String detail) {
                last[0] = done;
            }

            @Override
            public void skip(long units) {
            }

            @Override
            public void log(String text) {
                lines.add(text);
            }

            @Override
            public synchronized void finish() {
                lines.add(label + ": " + last[0] + "/" + total);
            }
        };
    }

    @Override
    public TrainingLoop.Listener training(long logEvery) {
        return (step, total, r, sps) -> {
            if (step == total) {
                lines.add("trained " + step + "/" + total);
            }
        };
    }

    /** Whether any line contains {@code text}. */
    public boolean has(String text) {
        synchronized (lines) {
            return lines.stream().anyMatch(l -> l.contains(text));
        }
    }

    /** The index of the first line containing {@code text}, -1 if none. */
    public int indexOf(String text) {
        synchronized (lines) {
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains(text)) {
                    return i;
                }
            }
            return -1;
        }
    }

    @Override
    public String toString() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }
}
