package dev.udadiffusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.udadiffusion.core.testing.TestData;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsCommandTest {

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = Udadiff.run(new PrintWriter(o, true), new PrintWriter(e, true), args);
        return new Run(code, o.toString(), e.toString());
    }

    @Test
    void inspectListsTensorsTotalsAndMetadata() {
        Path f = TestData.reference("unet_tiny").resolve("weights.safetensors");
        Run r = run("safetensors", "inspect", f.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("(?s).*down_blocks\\.0\\.attentions\\.0\\.transformer_blocks\\.0\\.attn2\\.to_k\\.weight +F32 +\\[32, 32\\] +4096\\n.*"), r.out());
        assertTrue(r.out().contains("conv_in.weight"));
        assertTrue(r.out().matches("(?s).*\\d+ tensors, [\\d,]+ elements, [\\d,]+ bytes.*"), r.out());
        assertTrue(r.out().contains("metadata:"));
    }

    @Test
    void malformedFileExitsWithTwoAndOneLine(@TempDir Path dir) throws Exception {
        Path bad = Files.write(dir.resolve("bad.safetensors"), new byte[] {1, 2, 3});
        Run r = run("safetensors", "inspect", bad.toString());
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("bad.safetensors") && r.err().contains("fewer than the 8-byte"), r.err());
    }

    @Test
    void helpWorksEverywhere() {
        assertEquals(0, run("--help").code());
        Run top = run("--help");
        assertTrue(top.out().contains("safetensors"));
        assertEquals(0, run("safetensors", "--help").code());
        Run sub = run("safetensors", "inspect", "--help");
        assertEquals(0, sub.code());
        assertTrue(sub.out().contains("FILE"));
        assertEquals(2, run("no-such-command").code());
    }
}
