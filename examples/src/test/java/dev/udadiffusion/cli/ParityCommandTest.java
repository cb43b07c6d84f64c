package dev.udadiffusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.parity.SyntheticFixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParityCommandTest {

    @Test
    void exitCodeFollowsTheVerdicts(@TempDir Path dir) throws Exception {
        Path good = SyntheticFixtures.linear(dir, "good", 0, false);
        var ok = SafetensorsCommandTest.run("parity", good.toString());
        assertEquals(0, ok.code(), ok.out() + ok.err());
        assertTrue(ok.out().contains("PASS good") && ok.out().contains("out.y"), ok.out());
        assertTrue(ok.out().contains("parity: 1 outputs passed, 0 failed, 0 fixtures skipped"), ok.out());

        SyntheticFixtures.linear(dir, "bad", 1e-2, false);
        SyntheticFixtures.unknown(dir);
        var mixed = SafetensorsCommandTest.run("parity", dir.toString());
        assertEquals(1, mixed.code());
        assertTrue(mixed.out().contains("FAIL bad"), mixed.out());
        assertTrue(mixed.out().contains("SKIP mystery"), mixed.out());

        var strict = SafetensorsCommandTest.run("parity", "--require-all", good.toString(), dir.resolve("mystery").toString());
        assertEquals(1, strict.code());
        assertEquals(2, SafetensorsCommandTest.run("parity", dir.resolve("nothing").toString()).code());
        assertTrue(SafetensorsCommandTest.run("parity", "--list-kinds").out().contains("test-linear"));
    }
}
