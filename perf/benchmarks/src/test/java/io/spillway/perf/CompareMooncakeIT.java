package io.spillway.perf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
        CompareRuns.Result run = CompareRuns.runClean(new CompareCommand(), json, List.of("--targets",
            "spillway,mooncake", "--rounds", "2", "--duration", "1s", "--warmup", "200ms", "--batch", "4",
            "--block-size", "64k", "--blocks", "32", "--connections", "2", "--threads", "2", "--cpu-capacity", "64m",
            "--no-progress", "--json", json.toString()));
        String out = run.json();
        String text = run.table();

        Matcher blocks = MOONCAKE_BLOCKS.matcher(out);
        assertTrue(blocks.find(), out);
        assertTrue(Long.parseLong(blocks.group(1)) > 0, "mooncake read verified blocks: " + out);
        Matcher m = PEER.matcher(out);
        assertTrue(m.find(), "peers section with spillway / mooncake: " + out);
        CompareRuns.assertRatios(m, 2, out);
        assertTrue(out.contains("\"driver\":\"mooncake.store.MooncakeDistributedStore"
            + " (mooncake-transfer-engine-non-cuda==0.3.13.post1), TCP transport, 2 Python processes"), out);
        assertTrue(text.contains("spillway / mooncake"), text);
    }
}
