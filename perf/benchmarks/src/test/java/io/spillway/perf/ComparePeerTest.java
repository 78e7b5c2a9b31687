package io.spillway.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.perf.adapter.SelfDrivenTarget;
import io.spillway.perf.adapter.TcpSinkServer;
import io.spillway.perf.adapter.TcpTarget;
import io.spillway.perf.harness.PhaseSlice;
import io.spillway.perf.harness.PhaseSpec;
import io.spillway.perf.peer.PeerWorker;
import io.spillway.perf.peer.WorkerReply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A peer driven by its own worker ({@link SelfDrivenTarget}) runs in {@code bench compare}'s interleaved rounds
 * beside a Java-driven target: preloaded once through its own preload, each slice run by the peer itself (never
 * request by request through the Java harness), and reported as Spillway over the peer with how it was driven.
 */
class ComparePeerTest {
    private static final Pattern PEER = Pattern.compile("\"peers\":\\{\"mooncake\":\\{\"ratio_get\":([0-9.]+),"
        + "\"ratio_put\":([0-9.]+),\"ratio_batch_get\":([0-9.]+),\"rounds\":\\{\"put\":\\[(.*?)],\"get\":\\[(.*?)],"
        + "\"batch_get\":\\[(.*?)]}");

    @TempDir
    Path dir;

    private static String[] args(Path json) {
        return new String[] {"--targets", "spillway,mooncake", "--rounds", "2", "--duration", "200ms",
            "--warmup", "50ms", "--block-size", "64k", "--blocks", "32", "--batch", "4", "--connections", "2",
            "--cpu-capacity", "64m", "--no-progress", "--json", json.toString()};
    }

    @Test
    void aPeerRunsItsOwnSlicesInTheSameRoundsAndIsReportedAgainstSpillway() throws Exception {
        FakePeer peer = new FakePeer(false);
        CompareCommand cmd = new CompareCommand();
        cmd.launcher = (kind, w, d) -> kind.equals("mooncake") ? new TargetLauncher.Started(peer, null)
            : loopback();
        Path json = dir.resolve("peer.json");
        String table = CompareRuns.captureStdout(() -> assertEquals(0, new CommandLine(cmd).execute(args(json))));
        String out = Files.readString(json);

        assertEquals(List.of("preload 32 65536 4"), peer.preloads);
        assertEquals(List.of("get 1/2", "get 2/2", "batch-get 1/2", "batch-get 2/2", "put 1/2", "put 2/2"),
            peer.slices);
        Matcher m = PEER.matcher(out);
        assertTrue(m.find(), out);
        for (int g = 1; g <= 3; g++) {
            assertTrue(Double.parseDouble(m.group(g)) > 0, out);
        }
        for (int g = 4; g <= 6; g++) {
            assertEquals(2, m.group(g).split(",").length, out);
        }
        assertTrue(out.contains("\"driver\":\"fake client, 2 processes\""), out);
        assertTrue(out.contains("\"mooncake\":{\"get\":{\"target\":\"mooncake\""), out);
        assertTrue(out.contains("\"clean\":true}"), out);
        assertTrue(table.contains("spillway / mooncake"), table);
        assertTrue(table.contains("mooncake ratio_get per round:"), table);
        assertTrue(table.contains("mooncake: driven by fake client, 2 processes"), table);
    }

    @Test
    void aSliceThePeerCannotRunIsAnErrorOfThatTargetAndTheRunGoesOn() throws Exception {
        FakePeer peer = new FakePeer(true);
        CompareCommand cmd = new CompareCommand();
        cmd.launcher = (kind, w, d) -> kind.equals("mooncake") ? new TargetLauncher.Started(peer, null)
            : loopback();
        Path json = dir.resolve("failed.json");
        CompareRuns.captureStdout(() -> assertEquals(1, new CommandLine(cmd).execute(args(json))));
        String out = Files.readString(json);
        assertEquals(6, peer.slices.size());
        assertTrue(out.contains("worker exited while running get 1/2"), out);
        assertTrue(out.contains("\"clean\":false}"), out);
        assertTrue(out.contains("\"spillway\":{\"get\":{\"target\":\"spillway\""), out);
    }

    private static TargetLauncher.Started loopback() throws Exception {
        TcpSinkServer sink = TcpSinkServer.start("127.0.0.1", 0);
        return new TargetLauncher.Started(new TcpTarget("127.0.0.1", sink.port(), 2), sink::close);
    }

    /**
     * A peer that records what it is asked to do and answers every slice as a worker would: 10 blocks read or
     * written, in lines {@link WorkerReply} parses; or, when {@code failing}, the empty slice of a worker that died.
     */
    private static final class FakePeer implements SelfDrivenTarget {
        final List<String> preloads = new ArrayList<>();
        final List<String> slices = new ArrayList<>();
        private final boolean failing;

        FakePeer(boolean failing) {
            this.failing = failing;
        }

        @Override
        public String name() {
            return "mooncake";
        }

        @Override
        public void open(int workers) {
        }

        @Override
        public double preload(long blocks, int blockBytes, int batch) {
            preloads.add("preload " + blocks + " " + blockBytes + " " + batch);
            return 0.1;
        }

        @Override
        public PhaseSlice runSlice(PhaseSpec spec) {
            slices.add(spec.name());
            if (failing) {
                return PeerWorker.failedSlice("mooncake", spec,
                    new IllegalStateException("mooncake worker exited while running " + spec.name()));
            }
            long bytes = 10L * spec.blockBytes();
            String moved = "10 10 " + bytes + " 0 0 0";
            boolean read = spec.readRatio() > 0;
            return WorkerReply.parse("mooncake", spec, List.of("get " + (read ? moved : "0 0 0 0 0 0"),
                "put " + (read ? "0 0 0 0 0 0" : moved), "errors 0", (read ? "lat-get" : "lat-put") + " 1000 2000",
                "seconds " + spec.duration().toMillis() / 1e3));
        }

        @Override
        public String driver() {
            return "fake client, 2 processes";
        }

        @Override
        public void close() {
        }
    }
}
