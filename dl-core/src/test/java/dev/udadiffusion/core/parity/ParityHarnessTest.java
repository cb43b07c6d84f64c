package dev.udadiffusion.core.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParityHarnessTest {

    @TempDir
    Path dir;

    @Test
    void passFailSkipAndMissingOutputs() throws Exception {
        SyntheticFixtures.linear(dir, "good", 0, false);
        SyntheticFixtures.linear(dir, "perturbed", 1e-3, false);
        SyntheticFixtures.linear(dir, "extra", 0, true);
        SyntheticFixtures.unknown(dir);
        ParityHarness h = ParityHarness.withRegisteredCheckers();
        assertTrue(h.checkers().stream().anyMatch(c -> c.kind().equals("test-linear")));
        List<ParityResult> seen = new ArrayList<>();
        List<ParityResult> rs = h.check(List.of(dir), seen::add);
        assertEquals(rs, seen);
        assertEquals(List.of("extra", "extra", "good", "mystery", "perturbed"), rs.stream().map(ParityResult::fixture).toList());
        ParityResult good = rs.get(2);
        assertEquals(ParityResult.Status.PASS, good.status(), good.line());
        assertTrue(good.maxAbs() < 1e-6);
        assertEquals(new Tolerance(1e-5, 1e-5), good.tolerance());
        ParityResult bad = rs.get(4);
        assertEquals(ParityResult.Status.FAIL, bad.status());
        assertEquals(1e-3, bad.maxAbs(), 1e-5);
        ParityResult missing = rs.get(1);
        assertEquals("out.z", missing.output());
        assertEquals(ParityResult.Status.FAIL, missing.status());
        assertTrue(missing.message().contains("not produced"));
        assertEquals(ParityResult.Status.SKIP, rs.get(3).status());
        assertTrue(rs.get(3).line().contains("acme.Mystery"));
    }

    @Test
    void toleranceSentenceIsParsed() {
        assertEquals(new Tolerance(1e-4, 1e-5), Tolerance.suggestedIn(
                "x\nSuggested tolerance (float32 reimplementation): max abs error 1e-04, relative L2 error 1e-05.").get());
        assertTrue(Tolerance.suggestedIn("Tolerance: exact equality.").isEmpty());
    }

    @Test
    void metrics() {
        var a = org.nd4j.linalg.factory.Nd4j.createFromArray(3.0, 4.0);
        var b = org.nd4j.linalg.factory.Nd4j.createFromArray(3.0, 4.5);
        ErrorMetrics m = ErrorMetrics.of(b, a);
        assertEquals(0.5, m.maxAbs(), 1e-12);
        assertEquals(0.1, m.relL2(), 1e-12);
        assertTrue(Double.isNaN(ErrorMetrics.of(org.nd4j.linalg.factory.Nd4j.createFromArray(Double.NaN, 4.0), a).maxAbs()));
    }
}
