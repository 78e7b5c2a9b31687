package io.spillway.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.perf.harness.LatencySummary;
import io.spillway.perf.harness.OpResult;
import io.spillway.perf.harness.PhaseResult;
import io.spillway.perf.harness.PhaseSpec;
import io.spillway.perf.harness.WritePattern;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompareReportTest {
    private static final int BLOCK = 2 << 20;
    private static final OpResult NONE = new OpResult(0, 0, 0, 0, 0, 0, 1, LatencySummary.EMPTY);

    private static PhaseSpec spec(String name, double readRatio, int batch) {
        return new PhaseSpec(name, BLOCK, batch, 4, readRatio, 256, WritePattern.FRESH, Duration.ofSeconds(1),
            Duration.ofSeconds(10));
    }

    /** A phase that moved {@code gbps} GB/s in 10 s. */
    private static PhaseResult phase(String target, PhaseSpec spec, double gbps) {
        long bytes = (long) (gbps * 1e9 * 10);
        OpResult moved = new OpResult(bytes / BLOCK / spec.batch(), bytes / BLOCK, bytes, 0, 0, 0, 10,
            new LatencySummary(10, 500, 900, 990, 1000, 510));
        return spec.readRatio() > 0 ? new PhaseResult(target, spec, 10, moved, NONE, 0, null)
            : new PhaseResult(target, spec, 10, NONE, moved, 0, null);
    }

    private static List<PhaseSpec> specs() {
        return List.of(spec(CompareReport.GET, 1, 1), spec(CompareReport.BATCH_GET, 1, 32),
            spec(CompareReport.PUT, 0, 1));
    }

    private static CompareReport report() {
        return new CompareReport(specs(), 4, results(specs()), Map.of());
    }

    private static Map<String, Map<String, PhaseResult>> results(List<PhaseSpec> specs) {
        Map<String, Map<String, PhaseResult>> results = new LinkedHashMap<>();
        // per target, per phase in run order: get, batch-get, put
        double[][] gbps = {{6.0, 8.0, 4.0}, {3.0, 4.0, 2.0}, {8.0, 10.0, 5.0}};
        String[] targets = {"spillway", "redis", "tcp"};
        for (int t = 0; t < 3; t++) {
            Map<String, PhaseResult> byPhase = new LinkedHashMap<>();
            for (int p = 0; p < 3; p++) {
                byPhase.put(specs.get(p).name(), phase(targets[t], specs.get(p), gbps[t][p]));
            }
            results.put(targets[t], byPhase);
        }
        return results;
    }

    @Test
    void ratiosAreSpillwayOverRedisPerPhase() {
        CompareReport r = report();
        assertEquals(2.0, r.ratio("spillway", "redis", CompareReport.PUT), 1e-3);
        assertEquals(2.0, r.ratio("spillway", "redis", CompareReport.GET), 1e-3);
        assertEquals(2.0, r.ratio("spillway", "redis", CompareReport.BATCH_GET), 1e-3);
        assertEquals(0.75, r.ratio("spillway", "tcp", CompareReport.GET), 1e-3);
        assertTrue(Double.isNaN(r.ratio("spillway", "memcached", CompareReport.GET)));
    }

    @Test
    void jsonCarriesTheRatiosEveryPhaseAndTheCeiling(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("compare.json");
        report().writeJson(file);
        String json = Files.readString(file);
        assertTrue(json.contains("\"ratio_get\":2.0"), json);
        assertTrue(json.contains("\"ratio_put\":2.0"), json);
        assertTrue(json.contains("\"ratio_batch_get\":2.0"), json);
        assertTrue(json.contains("\"tcp_ceiling\":{\"put_gbps\":5.0,\"get_gbps\":8.0,\"batch_get_gbps\":10.0}"), json);
        for (String t : List.of("spillway", "redis", "tcp")) {
            assertTrue(json.contains("\"" + t + "\":{\"get\":{"), t + " in " + json);
            assertTrue(json.contains("\"put\":{\"target\":\"" + t + "\""), t + " put in " + json);
        }
        assertTrue(json.contains("\"batch_get\":{\"target\":\"spillway\",\"phase\":\"batch-get\",\"batch\":32"), json);
        assertTrue(json.contains("\"batch_get_blocks\":32"), json);
        assertTrue(json.contains("\"p999_us\":990.0"), json);
        assertTrue(json.contains("\"clean\":true}"), json);
    }

    @Test
    void tablePrintsEveryTargetAndTheRatioRows() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        report().print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("spillway / redis            2.00x      2.00x      2.00x"), out);
        assertTrue(out.contains("redis     batch-get  get"), out);
    }

    @Test
    void perRoundRatiosGoToJsonAndTheirSpreadToTheTable(@TempDir Path dir) throws Exception {
        List<PhaseSpec> specs = specs();
        double[] spillway = {3.0, 2.0, 4.0};
        double[] redis = {2.0, 2.0, 2.0};
        Map<String, Map<String, List<PhaseResult>>> rounds = new LinkedHashMap<>();
        for (String t : List.of("spillway", "redis")) {
            Map<String, List<PhaseResult>> byPhase = new LinkedHashMap<>();
            for (PhaseSpec s : specs) {
                double[] g = t.equals("spillway") ? spillway : redis;
                byPhase.put(s.name(), List.of(phase(t, s, g[0]), phase(t, s, g[1]), phase(t, s, g[2])));
            }
            rounds.put(t, byPhase);
        }
        CompareReport r = new CompareReport(specs, 4, results(specs), Map.of(), rounds);
        assertEquals(List.of(1.5, 1.0, 2.0), r.roundRatios("spillway", "redis", CompareReport.GET));
        assertEquals(3, r.roundCount());

        Path file = dir.resolve("compare.json");
        r.writeJson(file);
        String json = Files.readString(file);
        assertTrue(json.contains("\"ratio_batch_get\":2.0,\"rounds\":{\"put\":[1.5,1.0,2.0],\"get\":[1.5,1.0,2.0],"
            + "\"batch_get\":[1.5,1.0,2.0]}"), json);

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        r.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("ratio_get per round:   1.00x-2.00x over 3 rounds"), out);
        assertTrue(out.contains("ratio_batch_get per round: 1.00x-2.00x over 3 rounds"), out);
        assertTrue(out.contains("in 3 interleaved rounds"), out);
    }

    @Test
    void withoutATlsTargetTheReportHasNoTlsSectionOrRow(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("compare.json");
        report().writeJson(file);
        String json = Files.readString(file);
        assertTrue(!json.contains("\"tls\""), json);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        report().print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertTrue(!bytes.toString(StandardCharsets.UTF_8).contains("tls"), bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void tlsTargetIsReportedAsTlsOverPlaintextWithItsProviders(@TempDir Path dir) throws Exception {
        List<PhaseSpec> specs = specs();
        Map<String, Map<String, PhaseResult>> results = results(specs);
        double[] tls = {3.0, 6.0, 1.0}; // get, batch-get, put; the plaintext node has 6.0, 8.0, 4.0
        Map<String, PhaseResult> byPhase = new LinkedHashMap<>();
        Map<String, Map<String, List<PhaseResult>>> rounds = new LinkedHashMap<>();
        Map<String, List<PhaseResult>> tlsRounds = new LinkedHashMap<>();
        Map<String, List<PhaseResult>> plainRounds = new LinkedHashMap<>();
        for (int p = 0; p < 3; p++) {
            PhaseSpec s = specs.get(p);
            byPhase.put(s.name(), phase(TargetLauncher.SPILLWAY_TLS, s, tls[p]));
            tlsRounds.put(s.name(), List.of(phase(TargetLauncher.SPILLWAY_TLS, s, 1.0),
                phase(TargetLauncher.SPILLWAY_TLS, s, 3.0)));
            plainRounds.put(s.name(), List.of(phase("spillway", s, 2.0), phase("spillway", s, 4.0)));
        }
        results.put(TargetLauncher.SPILLWAY_TLS, byPhase);
        rounds.put("spillway", plainRounds);
        rounds.put(TargetLauncher.SPILLWAY_TLS, tlsRounds);
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put(TargetLauncher.NODE_TLS_PROVIDER, "OPENSSL");
        facts.put(TargetLauncher.CLIENT_TLS_PROVIDER, "JDK");
        CompareReport r = new CompareReport(specs, 4, results, Map.of(), rounds,
            Map.of(TargetLauncher.SPILLWAY_TLS, facts));

        Path file = dir.resolve("compare.json");
        r.writeJson(file);
        String json = Files.readString(file);
        assertTrue(json.contains("\"ratio_get\":2.0,\"ratio_put\":2.0,\"ratio_batch_get\":2.0,"), "spillway/redis: "
            + json);
        assertTrue(json.contains("\"tls\":{\"ratio_get\":0.5,\"ratio_put\":0.25,\"ratio_batch_get\":0.75,"
            + "\"rounds\":{\"put\":[0.5,0.75],\"get\":[0.5,0.75],\"batch_get\":[0.5,0.75]},"
            + "\"node_tls_provider\":\"OPENSSL\",\"client_tls_provider\":\"JDK\"}"), json);

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        r.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("spillway / redis            2.00x      2.00x      2.00x"), out);
        assertTrue(out.contains("spillway tls / plain        0.25x      0.50x      0.75x"), out);
        assertTrue(out.contains("tls ratio_put per round: 0.50x-0.75x over 2 rounds"), out);
        assertTrue(out.contains("spillway-tls: mutual TLS, data-plane TLS by OPENSSL (node), JDK (client)"), out);
    }
}
