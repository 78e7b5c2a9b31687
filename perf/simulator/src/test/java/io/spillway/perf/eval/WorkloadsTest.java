package io.spillway.perf.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Mooncake-format trace becomes requests of 16-token blocks whose keys follow the trace's prefix ids. */
class WorkloadsTest {
    @TempDir
    Path dir;

    @Test
    void traceBlocksBecomeThirtyTwoKeyedBlocksEachAndSharedIdsShareKeys() throws IOException {
        Path trace = dir.resolve("t.jsonl");
        Files.writeString(trace, """
            {"timestamp": 0, "input_length": 1100, "output_length": 5, "hash_ids": [0, 1, 2]}
            {"timestamp": 3000, "input_length": 1600, "output_length": 0, "hash_ids": [0, 1, 7, 8]}
            """);
        Workload w = Workloads.mooncake(trace, 100);
        SimRequest a = w.requests().get(0);
        SimRequest b = w.requests().get(1);
        assertEquals(1100 / 16, a.blocks().length, "full blocks only");
        assertEquals(3_000_000_000L, b.arrivalNanos());
        assertEquals(1, b.outputTokens(), "an output of 0 generates the one token every request does");
        assertArrayEquals(Arrays.copyOf(a.blocks(), 64), Arrays.copyOf(b.blocks(), 64), "trace ids 0, 1 shared");
        assertNotEquals(a.blocks()[64], b.blocks()[64], "trace id 2 against 7");
        BlockSpace s = w.space();
        assertEquals(s.hi(a.blocks()[63]), s.hi(b.blocks()[63]));
        assertNotEquals(s.hi(a.blocks()[0]), s.hi(a.blocks()[1]));
        assertEquals(64L * 16, w.oracleHitTokens(), "the second request hits the first's two trace blocks");
        assertEquals(1, Workloads.mooncake(trace, 1).requests().size());
    }

    @Test
    void aTraceIsNamedAfterItsFileNotAlwaysMooncakesConversationTrace() throws IOException {
        Path heldOut = dir.resolve("synthetic-held-out.jsonl");
        Files.writeString(heldOut, """
            {"timestamp": 0, "input_length": 600, "output_length": 5, "hash_ids": [0, 1]}
            """);
        assertEquals("synthetic-held-out.jsonl", Workloads.mooncake(heldOut, 10).name());
        assertEquals("shipped slice", Workloads.mooncake(heldOut, 10, "shipped slice").name());
    }

    @Test
    void anAzureTraceGivesArrivalsAndLengthsAndSharesNothing() throws IOException {
        Path trace = dir.resolve("azure.csv");
        Files.writeString(trace, "TIMESTAMP,ContextTokens,GeneratedTokens\n"
            + "2023-11-16 18:15:46.6805900,374,44\n2023-11-16 18:15:50.9951690,396,109\n"
            + "2023-11-16 18:15:51.0000000,40,0"); // no trailing newline, as the published files
        Workload w = Workloads.azure(trace, 10);
        assertEquals(3, w.requests().size());
        assertEquals(0, w.requests().get(0).arrivalNanos());
        assertEquals(4_314_579_000L, w.requests().get(1).arrivalNanos());
        assertEquals(396, w.requests().get(1).inputTokens());
        assertEquals(109, w.requests().get(1).outputTokens());
        assertEquals(1, w.requests().get(2).outputTokens());
        assertEquals(0, w.oracleHitTokens(), "nothing shared");

        Workload shared = Workloads.arrivingAs(Workloads.sharedPrefix(1, 3, 64, 16, 1, 1.0, 1), trace);
        assertEquals(4_314_579_000L, shared.requests().get(1).arrivalNanos(), "the trace's arrivals");
        assertEquals(2 * 4 * 16L, shared.oracleHitTokens(), "the workload's prompts");
        assertThrows(IllegalArgumentException.class,
            () -> Workloads.arrivingAs(Workloads.sharedPrefix(1, 4, 64, 16, 1, 1.0, 1), trace));
        Files.writeString(trace, "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,x,1\n");
        IOException bad = assertThrows(IOException.class, () -> Workloads.azure(trace, 10));
        assertTrue(bad.getMessage().contains(":2:"), bad.getMessage());
    }

    @Test
    void aBadLineNamesItsLine() throws IOException {
        Path trace = dir.resolve("bad.jsonl");
        Files.writeString(trace, "{\"timestamp\": 0, \"input_length\": 10, \"output_length\": 1, \"hash_ids\": [0]}\n"
            + "{\"timestamp\": 1, \"input_length\": 10}\n");
        IOException e = assertThrows(IOException.class, () -> Workloads.mooncake(trace, 100));
        assertTrue(e.getMessage().contains(":2:"), e.getMessage());
    }
}
