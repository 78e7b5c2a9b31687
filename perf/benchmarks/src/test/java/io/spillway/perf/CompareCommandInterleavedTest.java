package io.spillway.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.perf.adapter.BenchTarget;
import io.spillway.perf.adapter.TcpSinkServer;
import io.spillway.perf.adapter.TcpTarget;
import io.spillway.perf.harness.Batch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code bench compare} end to end through the interleaved path, on loopback TCP targets (no Redis needed). */
class CompareCommandInterleavedTest {
    private static final Pattern ROUNDS = Pattern.compile(
        "\"rounds\":\\{\"put\":\\[(.*?)],\"get\":\\[(.*?)],\"batch_get\":\\[(.*?)]}");

    @TempDir
    Path dir;

    private static String[] args(Path json, String targets, int rounds) {
        return new String[] {"--targets", targets, "--rounds", Integer.toString(rounds), "--duration", "300ms",
            "--warmup", "50ms", "--block-size", "64k", "--blocks", "32", "--batch", "4", "--connections", "2",
            "--cpu-capacity", "64m", "--no-progress", "--json", json.toString()};
    }

    @Test
    void tcpAloneRunsThroughTheRealLauncher() throws Exception {
        Path json = dir.resolve("tcp.json");
        int rc = new CommandLine(new CompareCommand()).execute(args(json, "tcp", 3));
        String out = Files.readString(json);
        assertEquals(0, rc, out);
        assertTrue(out.contains("\"clean\":true}"), out);
        assertTrue(out.contains("\"tcp\":{\"get\":{\"target\":\"tcp\",\"phase\":\"get\""), out);
        assertTrue(out.contains("\"rounds\":{\"put\":[],\"get\":[],\"batch_get\":[]}"), out);
        assertTrue(out.contains("\"ratio_get\":null"), out);
    }

    @Test
    void threeTargetsRunInAlternatingRoundsAndReportPerRoundRatios() throws Exception {
        List<String> trace = new ArrayList<>();
        List<String> closed = new ArrayList<>();
        CompareCommand cmd = new CompareCommand();
        cmd.launcher = (kind, w, d) -> loopback(kind, trace, closed);
        Path json = dir.resolve("three.json");
        String table = CompareRuns.captureStdout(() -> assertEquals(0,
            new CommandLine(cmd).execute(args(json, "spillway,redis,tcp", 3))));
        String out = Files.readString(json);

        // preload s, r, t; then per phase: s r t | t r s | s r t (a target's back-to-back slices show once)
        String phase = "srtrsrt";
        assertEquals("srt" + phase + phase + phase, String.join("", trace));
        assertEquals(List.of("spillway", "redis", "tcp"), closed);

        Matcher m = ROUNDS.matcher(out);
        assertTrue(m.find(), out);
        for (int g = 1; g <= 3; g++) {
            List<Double> ratios = Arrays.stream(m.group(g).split(",")).map(Double::parseDouble).toList();
            assertEquals(3, ratios.size(), out);
            assertTrue(ratios.stream().allMatch(r -> r > 0), out);
        }
        assertTrue(out.contains("\"clean\":true}"), out);
        assertTrue(table.contains("ratio_get per round:"), table);
        assertTrue(table.contains("over 3 rounds"), table);
        assertTrue(table.contains("spillway / redis"), table);
        Matcher seconds = Pattern.compile("\"spillway\":\\{\"get\":\\{[^}]*?\"seconds\":([0-9.]+)").matcher(out);
        assertTrue(seconds.find(), out);
        double s = Double.parseDouble(seconds.group(1));
        assertTrue(s >= 0.27 && s < 3, "merged seconds sum the three 100 ms slices: " + s);
    }

    @Test
    void aTargetThatFailsToStartIsReportedAndTheOthersStillRun() throws Exception {
        List<String> trace = new ArrayList<>();
        List<String> closed = new ArrayList<>();
        CompareCommand cmd = new CompareCommand();
        cmd.launcher = (kind, w, d) -> {
            if (kind.equals("redis")) {
                throw new IllegalStateException("redis-server not found");
            }
            return loopback(kind, trace, closed);
        };
        Path json = dir.resolve("failed.json");
        CompareRuns.captureStdout(() -> assertEquals(1, new CommandLine(cmd).execute(args(json, "spillway,redis,tcp", 2))));
        String out = Files.readString(json);
        assertTrue(out.contains("\"failures\":{\"redis\":\"java.lang.IllegalStateException: redis-server not found\"}"),
            out);
        assertTrue(out.contains("\"spillway\":{\"get\":{"), out);
        assertTrue(out.contains("\"tcp\":{\"get\":{"), out);
        // preload s, t; then per phase: s t | t s
        assertEquals("st" + "stststs", String.join("", trace));
        assertEquals(List.of("spillway", "tcp"), closed);
    }

    /** A loopback TCP target (in-process sink) named {@code kind} that traces which target moves bytes. */
    private static TargetLauncher.Started loopback(String kind, List<String> trace, List<String> closed)
        throws Exception {
        TcpSinkServer sink = TcpSinkServer.start("127.0.0.1", 0);
        BenchTarget target = new Traced(kind, new TcpTarget("127.0.0.1", sink.port(), 2), trace);
        return new TargetLauncher.Started(target, () -> {
            sink.close();
            synchronized (closed) {
                closed.add(kind);
            }
        });
    }

    /** Delegates to a TCP target; appends the first letter of its name whenever another target ran last. */
    private record Traced(String name, BenchTarget inner, List<String> trace) implements BenchTarget {
        private void note() {
            String me = name.substring(0, 1);
            synchronized (trace) {
                if (trace.isEmpty() || !trace.get(trace.size() - 1).equals(me)) {
                    trace.add(me);
                }
            }
        }

        @Override
        public void open(int workers) throws Exception {
            inner.open(workers);
        }

        @Override
        public int put(int worker, Batch batch) throws Exception {
            note();
            return inner.put(worker, batch);
        }

        @Override
        public int get(int worker, Batch batch) throws Exception {
            note();
            return inner.get(worker, batch);
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
