package io.spillway.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code bench compare --targets spillway,mooncake} on the real processes, shortened for CI: a Spillway node, and
 * Mooncake Store's master and store process from {@code bin/peers-venv} (which installs the pinned wheel and
 * Debian's libibverbs1 on first use), driven by its own Python client in worker processes, in the same interleaved
 * rounds. Asserts what holds at any speed: both moved blocks, every block read was intact (the run is clean), the
 * peer's ratios are there and positive for every phase and round, and the report names the client and its
 * version. The ratios themselves are figures for docs/benchmarks.md, not assertions.
 */
class CompareMooncakeIT {
    private static final Pattern PEER = Pattern.compile("\"peers\":\\{\"mooncake\":\\{\"ratio_get\":([0-9.eE+-]+),"
        + "\"ratio_put\":([0-9.eE+-]+),\"ratio_batch_get\":([0-9.eE+-]+),\"rounds\":\\{\"put\":\\[(.*?)],"
        + "\"get\":\\[(.*?)],\"batch_get\":\\[(.*?)]}");
    private static final Pattern MOONCAKE_BLOCKS = Pattern.compile(
        "\"mooncake\":\\{\"get\":\\{\"target\":\"mooncake\"[^}]*?\"blocks\":([0-9]+)");

    @TempDir
    Path dir;

    @Test
    void mooncakeRunsThroughItsOwnClientInTheSameRoundsAndIsReportedAgainstSpillway() throws Exception {
        Path json = dir.resolve("compare.json");
        String[] args = {"--targets", "spillway,mooncake", "--rounds", "2", "--duration", "1s", "--warmup", "200ms",
            "--batch", "4", "--block-size", "64k", "--blocks", "32", "--connections", "2", "--threads", "2",
            "--cpu-capacity", "64m", "--no-progress", "--json", json.toString()};
        PrintStream old = System.out;
        ByteArrayOutputStream table = new ByteArrayOutputStream();
        System.setOut(new PrintStream(table, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = new CommandLine(new CompareCommand()).execute(args);
        } finally {
            System.setOut(old);
        }
        String text = table.toString(StandardCharsets.UTF_8);
        System.out.println(text);
        String out = Files.readString(json);
        assertEquals(0, rc, out);
        assertTrue(out.contains("\"failures\":{}"), out);
        assertTrue(out.contains("\"clean\":true}"), out);

        Matcher blocks = MOONCAKE_BLOCKS.matcher(out);
        assertTrue(blocks.find(), out);
        assertTrue(Long.parseLong(blocks.group(1)) > 0, "mooncake read verified blocks: " + out);
        Matcher m = PEER.matcher(out);
        assertTrue(m.find(), "peers section with spillway / mooncake: " + out);
        for (int g = 1; g <= 3; g++) {
            assertTrue(Double.parseDouble(m.group(g)) > 0, "merged ratio " + g + ": " + out);
        }
        for (int g = 4; g <= 6; g++) {
            List<Double> rounds = Arrays.stream(m.group(g).split(",")).map(Double::parseDouble).toList();
            assertEquals(2, rounds.size(), out);
            assertTrue(rounds.stream().allMatch(r -> r > 0), out);
        }
        assertTrue(out.contains("\"driver\":\"mooncake.store.MooncakeDistributedStore"
            + " (mooncake-transfer-engine-non-cuda==0.3.13.post1), TCP transport, 2 Python processes"), out);
        assertTrue(text.contains("spillway / mooncake"), text);
    }
}
