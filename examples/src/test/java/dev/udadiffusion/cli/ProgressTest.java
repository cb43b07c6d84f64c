package dev.udadiffusion.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressTest {

    /** Resumed work fills the bar but not the rate: 10 fresh steps in 10 s leave 40 s for the last 40, not 6.7 s. */
    @Test
    void skippedWorkDoesNotShortenTheEta() {
        long[] now = {0};
        StringWriter text = new StringWriter();
        Progress p = new Progress(new PrintWriter(text), "rows", 100, () -> now[0]);
        p.skip(50);
        now[0] = 10_000_000_000L;
        p.update(60, "");
        String line = text.toString().strip();
        assertTrue(line.contains("60/100") && line.contains("ETA 40.0s"), line);

        StringWriter plain = new StringWriter();
        Progress q = new Progress(new PrintWriter(plain), "rows", 100, () -> now[0]);
        now[0] = 11_000_000_000L;
        q.update(1, ""); // a log line per tenth, from the first tenth: no guess from a single item
        assertTrue(plain.toString().isEmpty(), plain.toString());
        now[0] = 20_000_000_000L;
        q.update(60, "");
        assertTrue(plain.toString().contains("ETA 6.7s"), plain.toString()); // 60 in 10 s without a skip
        q.log("seed 0, source mIoU 17.2");
        assertTrue(plain.toString().endsWith("seed 0, source mIoU 17.2" + System.lineSeparator()), plain.toString());
    }
}
