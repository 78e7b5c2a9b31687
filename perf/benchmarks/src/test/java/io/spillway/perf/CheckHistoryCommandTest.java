package io.spillway.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.perf.history.History;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code bench check-history}: its exit code says the verdict, its output names the violations. */
class CheckHistoryCommandTest {
    @TempDir
    Path dir;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = BenchMain.newCommandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    private Path lostAfter(long missAt) throws Exception {
        Path file = dir.resolve("h.bin");
        new History.Builder(4)
            .add(0, History.PUT, History.OK, 1, 2, 0, 10, 77)
            .add(1, History.GET, History.OK, 1, 2, 20, 30, 77)
            .add(1, History.GET, History.MISS, 1, 2, missAt, missAt + 10, History.NO_VALUE)
            .build().write(file);
        return file;
    }

    @Test
    void aLossAfterTheWindowFailsTheCheck() throws Exception {
        Path file = lostAfter(500);
        assertEquals(1, run("check-history", file.toString(), "--fault-end-ns", "100"));
        assertTrue(out.toString().contains("LOST_ACKNOWLEDGED: 1"), out.toString());
        assertTrue(out.toString().contains("INVALID"), out.toString());
    }

    @Test
    void theSameMissInsideTheWindowPasses() throws Exception {
        Path file = lostAfter(500);
        assertEquals(0, run("check-history", file.toString(), "--fault-end-ns", "1000"), out.toString());
        assertTrue(out.toString().contains("1 misses in the fault window"), out.toString());
    }

    @Test
    void aFileThatIsNotAHistoryIsAUsageError() throws Exception {
        Path file = Files.writeString(dir.resolve("x"), "nope");
        assertEquals(2, run("check-history", file.toString()));
        assertTrue(err.toString().contains("not a Spillway history"), err.toString());
    }
}
