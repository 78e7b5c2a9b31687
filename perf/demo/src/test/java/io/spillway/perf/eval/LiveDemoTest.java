package io.spillway.perf.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live demo's wiring end to end on a small slice: plain pods in turn, then pods behind the real router with a
 * Spillway node, every request answered through the router's proxy; the report written.
 */
class LiveDemoTest {
    @TempDir
    Path dir;

    @Test
    void bothStacksServeTheWholeSliceAndTheReportIsWritten() throws Exception {
        Workload slice = Workloads.sharedPrefix(4, 3, 800, 160, 4, 2.0, 3).compressed(4);
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        List<RunResult> results = new LiveDemo(slice, EngineParams.defaults().withGpuBlocks(512).faster(4), 2, 1_024,
            4_096, 2_048, new PrintStream(text, true, StandardCharsets.UTF_8)).run(dir);
        RunResult roundRobin = results.get(0);
        RunResult spillway = results.get(1);
        assertEquals(Policy.ROUND_ROBIN, roundRobin.policy());
        assertEquals(Policy.SPILLWAY, spillway.policy());
        assertEquals(12, spillway.requests());
        assertTrue(spillway.hitTokens() > 0, "through the router, a group's later users hit its context: " + spillway);
        assertEquals(2 + Policy.values().length, results.size(), "and every policy in virtual time");
        String printed = text.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("Load live") && printed.contains("Load virtual"), printed);
        assertTrue(Files.readString(dir.resolve("results.csv")).lines().count() == 1 + results.size());
        assertTrue(Files.size(dir.resolve("report.html")) > 1_000);
    }
}
