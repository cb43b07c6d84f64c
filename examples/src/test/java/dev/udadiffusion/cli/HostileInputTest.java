package dev.udadiffusion.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.udadiffusion.core.io.AtomicFiles;
import dev.udadiffusion.core.testing.TestData;
import dev.udadiffusion.core.testing.TinyModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every case of the hostile-input corpus ({@code testdata/hostile/cases.jsonl}, made by
 * {@code testdata/tools/make_hostile_corpus.py}) through the command line: the expected exit code, exactly one line on
 * stderr naming the file, key or option, no stack trace, and nothing written under the output path.
 */
class HostileInputTest {

    static final Path CORPUS = TestData.root().resolve("hostile");
    static final ObjectMapper JSON = new ObjectMapper();

    /** Cases not handled yet: each must still break the contract (so a fix shows up here and the entry goes). */
    static final Set<String> PENDING = Set.of();

    static Path base;
    static Map<String, Path> pristine = new TreeMap<>();

    @BeforeAll
    static void build() throws IOException {
        base = Files.createTempDirectory("hostile");
        pristine.put("{SD}", TinyModels.stableDiffusion(base.resolve("models")));
        pristine.put("{CN}", TinyModels.controlNet(base.resolve("models")));
        Path seg = Files.createDirectories(base.resolve("models/segformer"));
        Files.copy(TestData.reference("segformer_tiny").resolve("config.json"), seg.resolve("config.json"));
        Files.copy(TestData.reference("segformer_tiny").resolve("weights.safetensors"), seg.resolve("model.safetensors"));
        pristine.put("{SEG}", seg);
        Path world = base.resolve("world");
        var r = SafetensorsCommandTest.run("toyworld", "--out", world.toString(), "--width", "64", "--height", "32",
                "--source", "3", "--target-train", "2", "--target-val", "2");
        assertEquals(0, r.code(), r.err());
        pristine.put("{W}", world);
    }

    @AfterAll
    static void clean() throws IOException {
        AtomicFiles.deleteTree(base);
    }

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> l = new ArrayList<>();
        for (String line : Files.readAllLines(CORPUS.resolve("cases.jsonl"))) {
            JsonNode c = JSON.readTree(line);
            l.add(Arguments.of(c.get("id").asText(), c));
        }
        assertTrue(l.size() >= 150, "the corpus has " + l.size() + " cases");
        return l.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rejectedWithOneLineAndNothingWritten(String id, JsonNode c) throws IOException {
        Path dir = Files.createDirectories(base.resolve("cases").resolve(id));
        Map<String, String> vars = new TreeMap<>();
        String text = c.toString();
        for (var e : pristine.entrySet()) {
            if (text.contains(e.getKey())) {
                Path copy = dir.resolve(e.getKey().replaceAll("[{}]", ""));
                copyTree(e.getValue(), copy);
                vars.put(e.getKey(), copy.toString());
            }
        }
        Path out = dir.resolve("out");
        Path file = Files.writeString(dir.resolve("plain.txt"), "a plain file\n");
        vars.put("{OUT}", out.toString());
        vars.put("{FILE}", file.toString());
        vars.put("{MASK}", CORPUS.resolve("files/mask_64x32.png").toString());
        vars.put("{CORPUS}", CORPUS.resolve("files").toString());
        for (JsonNode op : c.get("ops")) {
            HostileOps.apply(op, vars, CORPUS.resolve("files"));
        }
        List<String> args = new ArrayList<>();
        c.get("command").forEach(a -> args.add(substitute(a.asText(), vars)));
        System.err.println("hostile case " + id);
        var r = SafetensorsCommandTest.run(args.toArray(String[]::new));
        String problem = contractBroken(c, r, out, vars);
        try {
            if (PENDING.contains(id)) {
                assertTrue(problem != null, id + " now passes: remove it from PENDING");
            } else if (problem != null) {
                fail(id + ": " + problem + "\nexit " + r.code() + "\nstderr:\n" + r.err() + "\nstdout:\n" + r.out());
            }
        } finally {
            AtomicFiles.deleteTree(dir);
        }
    }

    /** What the run did wrong, or null when it kept the contract. */
    static String contractBroken(JsonNode c, SafetensorsCommandTest.Run r, Path out, Map<String, String> vars)
            throws IOException {
        int code = c.get("exit").asInt();
        if (r.code() != code) {
            return "exit code " + r.code() + ", expected " + code;
        }
        List<String> lines = r.err().lines().filter(l -> !l.isBlank() && !l.startsWith("udadiff: note:")).toList();
        if (lines.size() != 1) {
            return lines.size() + " lines on stderr, expected one";
        }
        String line = lines.get(0);
        if (line.contains("Exception") || line.contains("unexpected error")) {
            return "an exception instead of a message: " + line;
        }
        for (JsonNode m : c.get("mentions")) {
            String want = substitute(m.asText(), vars);
            if (!line.contains(want)) {
                return "the line does not name '" + want + "': " + line;
            }
        }
        if (Files.exists(out)) {
            List<String> allowed = new ArrayList<>();
            c.path("may_write").forEach(m -> allowed.add(out.resolve(m.asText()).toString()));
            try (Stream<Path> w = Files.walk(out)) {
                List<String> written = w.filter(Files::isRegularFile).map(Path::toString)
                        .filter(p -> allowed.stream().noneMatch(p::startsWith)).toList();
                if (allowed.isEmpty() || !written.isEmpty()) {
                    return "created " + out + (written.isEmpty() ? "" : " and " + written);
                }
            }
        }
        return null;
    }

    static String substitute(String s, Map<String, String> vars) {
        for (var e : vars.entrySet()) {
            s = s.replace(e.getKey(), e.getValue());
        }
        return s;
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }
}
