package dev.udadiffusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TableCommandTest {

    @Test
    void theCommandRefusesUnknownTablesAndIncompleteRealData(@TempDir Path dir) {
        var unknown = SafetensorsCommandTest.run("table", "9.9", "-o", dir.resolve("a").toString());
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("table 9.9: not reproduced yet (available: 4.2, 4.3, 4.4, 4.5, 5.2, 5.3)"), unknown.err());
        var partial = SafetensorsCommandTest.run("table", "4.5", "--source", dir.toString(), "-o", dir.resolve("b").toString());
        assertEquals(2, partial.code());
        assertTrue(partial.err().contains("--source, --target, --generated and --imnet-backbone together"), partial.err());
        assertTrue(!Files.exists(dir.resolve("b")));
        var notBuilt = SafetensorsCommandTest.run("table", "4.4", "--source", dir.toString(), "-o", dir.resolve("c").toString());
        assertEquals(2, notBuilt.code());
        assertTrue(notBuilt.err().contains("table 4.4: only the toy-world mode is built"), notBuilt.err());
        var figure = SafetensorsCommandTest.run("table", "5.3", "--source", dir.toString(), "-o", dir.resolve("d").toString());
        assertEquals(2, figure.code());
        assertTrue(figure.err().contains("table 5.3: only the toy-world mode is built"), figure.err());
    }
}
