package dev.udadiffusion.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LossLogTest {

    static Trainer.StepResult step(long s) {
        return new Trainer.StepResult(s, 1.0 / s, 0.5, 1e-4, Map.of());
    }

    @Test
    void nothingIsWrittenBeforeTheFirstStep(@TempDir Path dir) {
        Path out = dir.resolve("run");
        LossLog.open(out.resolve("loss.csv"), 0);
        assertFalse(Files.exists(out), "a run that fails while starting leaves no folder");
    }

    /** Killed after step 15 with a checkpoint at 10, resumed: steps 11-15 are written again, and appear once. */
    @Test
    void resumingDropsTheRowsAfterTheCheckpoint(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("loss.csv");
        LossLog first = LossLog.open(csv, 0);
        for (long s = 1; s <= 15; s++) {
            first.append(step(s));
        }
        LossLog resumed = LossLog.open(csv, 10);
        for (long s = 11; s <= 20; s++) {
            resumed.append(step(s));
        }
        List<String> lines = Files.readAllLines(csv);
        assertEquals(LossLog.HEADER, lines.get(0));
        assertEquals(21, lines.size(), "header + steps 1..20 once each");
        for (int s = 1; s <= 20; s++) {
            assertEquals(Integer.toString(s), lines.get(s).split(",")[0]);
        }
    }

    @Test
    void aFreshRunReplacesAnOldLogAtItsFirstStep(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("loss.csv");
        Files.writeString(csv, LossLog.HEADER + "\n1,9,9,9\n2,9,9,9\n");
        LossLog log = LossLog.open(csv, 0);
        assertEquals(3, Files.readAllLines(csv).size(), "untouched until a step completes");
        log.append(step(1));
        assertEquals(List.of(LossLog.HEADER, "1,1.0000000,0.000100000,0.500000"), Files.readAllLines(csv));
    }

    @Test
    void namedLossTermsGetAColumnEach(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("loss.csv");
        Map<String, Double> terms = new java.util.LinkedHashMap<>();
        terms.put("source", 0.75);
        terms.put("mix", 0.25);
        LossLog.open(csv, 0).append(new Trainer.StepResult(1, 1.0, 0.5, 1e-4, Map.of(), terms));
        assertEquals(List.of(LossLog.HEADER + ",loss_source,loss_mix", "1,1.0000000,0.000100000,0.500000,0.75000000,0.25000000"),
                Files.readAllLines(csv));
    }
}
