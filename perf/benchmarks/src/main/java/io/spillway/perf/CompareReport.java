package io.spillway.perf;

import io.spillway.config.Sizes;
import io.spillway.perf.harness.PhaseResult;
import io.spillway.perf.harness.PhaseSpec;
import io.spillway.perf.report.JsonWriter;
import io.spillway.perf.report.ResultJson;
import io.spillway.perf.report.ResultTable;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The outcome of {@code bench compare}: every target's phases, and the ratios that matter: Spillway over Redis
 * ({@code ratio_put}, {@code ratio_get}, {@code ratio_batch_get}: of the merged totals) with the same ratio in each
 * round ({@code rounds}), and Spillway as a fraction of the TCP ceiling. When {@code spillway-tls} ran (or was asked
 * for and failed), the cost of TLS: Spillway TLS over Spillway plaintext, merged and per round, with the TLS
 * providers the node and the client used. For each peer that ran or was asked for ({@link TargetLauncher#PEERS}:
 * another store driven through its own client), Spillway over the peer, merged and per round, the peer as a
 * fraction of the TCP ceiling, and how the peer was driven.
 */
final class CompareReport {
    static final String PUT = "put";
    static final String GET = "get";
    static final String BATCH_GET = "batch-get";
    private static final List<String> PHASES = List.of(PUT, GET, BATCH_GET);
    private static final String SPILLWAY = TargetLauncher.SPILLWAY;
    private static final String SPILLWAY_TLS = TargetLauncher.SPILLWAY_TLS;

    private final List<PhaseSpec> specs;
    private final int connections;
    private final Map<String, Map<String, PhaseResult>> results;
    private final Map<String, String> failures;
    private final Map<String, Map<String, List<PhaseResult>>> rounds;
    private final Map<String, Map<String, String>> facts;

    CompareReport(List<PhaseSpec> specs, int connections, Map<String, Map<String, PhaseResult>> results,
                  Map<String, String> failures) {
        this(specs, connections, results, failures, Map.of());
    }

    /**
     * @param results  per target and phase, the merged result
     * @param failures targets that could not run, and why
     * @param rounds   per target and phase, the result of each round's slice, in round order
     */
    CompareReport(List<PhaseSpec> specs, int connections, Map<String, Map<String, PhaseResult>> results,
                  Map<String, String> failures, Map<String, Map<String, List<PhaseResult>>> rounds) {
        this(specs, connections, results, failures, rounds, Map.of());
    }

    /** @param facts per target, what its launcher said about how it ran (e.g. its TLS providers) */
    CompareReport(List<PhaseSpec> specs, int connections, Map<String, Map<String, PhaseResult>> results,
                  Map<String, String> failures, Map<String, Map<String, List<PhaseResult>>> rounds,
                  Map<String, Map<String, String>> facts) {
        this.facts = facts;
        this.specs = specs;
        this.connections = connections;
        this.results = results;
        this.failures = failures;
        this.rounds = rounds;
    }

    private PhaseSpec spec(String name) {
        return specs.stream().filter(p -> p.name().equals(name)).findFirst()
            .orElseThrow(() -> new IllegalArgumentException("no phase " + name));
    }

    /** GB/s of the phase's main op (put for PUT, get for the others), or NaN when the target did not run. */
    double gbps(String target, String phase) {
        Map<String, PhaseResult> byPhase = results.get(target);
        PhaseResult r = byPhase == null ? null : byPhase.get(phase);
        return r == null ? Double.NaN : CompareCommand.mainOp(r).gigabytesPerSecond();
    }

    double ratio(String a, String b, String phase) {
        return ResultJson.ratio(gbps(a, phase), gbps(b, phase));
    }

    /** {@code a / b} in GB/s of each round's slices of the phase; empty when either target has no rounds. */
    List<Double> roundRatios(String a, String b, String phase) {
        List<PhaseResult> as = rounds.getOrDefault(a, Map.of()).getOrDefault(phase, List.of());
        List<PhaseResult> bs = rounds.getOrDefault(b, Map.of()).getOrDefault(phase, List.of());
        List<Double> out = new ArrayList<>();
        for (int i = 0; i < Math.min(as.size(), bs.size()); i++) {
            out.add(ResultJson.ratio(CompareCommand.mainOp(as.get(i)).gigabytesPerSecond(),
                CompareCommand.mainOp(bs.get(i)).gigabytesPerSecond()));
        }
        return out;
    }

    /** Rounds per phase (0 when the results carry no per-round slices). */
    int roundCount() {
        return rounds.values().stream().flatMap(m -> m.values().stream()).mapToInt(List::size).max().orElse(0);
    }

    boolean allClean() {
        return results.values().stream().flatMap(m -> m.values().stream()).allMatch(PhaseResult::clean);
    }

    void print(PrintStream out) {
        PhaseSpec first = specs.get(0);
        out.printf(Locale.ROOT, "%nworkload: %s blocks, %d connections, %d threads, batch-get %d blocks, working set %d"
                + " blocks, %s writes, %.1fs warmup + %.1fs per phase%s%n", Sizes.format(
                first.blockBytes()), connections, first.threads(), spec(BATCH_GET).batch(), first.blocks(),
            first.writes().name().toLowerCase(Locale.ROOT), first.warmup().toMillis() / 1e3,
            first.duration().toMillis() / 1e3, roundCount() > 0 ? " in " + roundCount() + " interleaved rounds" : "");
        ResultTable table = new ResultTable(out);
        table.header();
        for (Map<String, PhaseResult> byPhase : results.values()) {
            byPhase.values().forEach(table::rows);
        }
        failures.forEach((t, why) -> out.printf("%-9s FAILED: %s%n", t, why));
        out.println();
        out.printf(Locale.ROOT, "%-22s %10s %10s %10s%n", "GB/s ratio", PUT, GET, BATCH_GET);
        printRatioRow(out, "spillway / redis", "spillway", "redis");
        printRatioRow(out, "spillway / tcp ceiling", "spillway", "tcp");
        printRatioRow(out, "redis / tcp ceiling", "redis", "tcp");
        String ceiling = facts.getOrDefault("tcp", Map.of()).get(TargetLauncher.TCP_CEILING);
        if (ceiling != null) {
            out.printf("tcp ceiling: %s%n", ceiling);
        }
        if (tlsAsked()) {
            printRatioRow(out, "spillway tls / plain", SPILLWAY_TLS, SPILLWAY);
        }
        for (String p : PHASES) {
            printRoundSpread(out, "ratio_" + key(p), "spillway", "redis", p);
        }
        for (String peer : peers()) {
            printRatioRow(out, "spillway / " + peer, SPILLWAY, peer);
            printRatioRow(out, peer + " / tcp ceiling", peer, "tcp");
            for (String p : PHASES) {
                printRoundSpread(out, peer + " ratio_" + key(p), SPILLWAY, peer, p);
            }
            out.printf("%s: driven by %s%n", peer,
                facts.getOrDefault(peer, Map.of()).getOrDefault(TargetLauncher.DRIVER, "?"));
        }
        if (tlsAsked()) {
            for (String p : PHASES) {
                printRoundSpread(out, "tls ratio_" + key(p), SPILLWAY_TLS, SPILLWAY, p);
            }
            Map<String, String> tls = facts.getOrDefault(SPILLWAY_TLS, Map.of());
            out.printf("%s: mutual TLS, data-plane TLS by %s (node), %s (client)%n", SPILLWAY_TLS,
                tls.getOrDefault(TargetLauncher.NODE_TLS_PROVIDER, "?"),
                tls.getOrDefault(TargetLauncher.CLIENT_TLS_PROVIDER, "?"));
        }
    }

    /** The peers that ran or failed to start, in run order. */
    List<String> peers() {
        List<String> out = new ArrayList<>();
        for (String t : TargetLauncher.PEERS) {
            if (results.containsKey(t) || failures.containsKey(t)) {
                out.add(t);
            }
        }
        return out;
    }

    /** Whether the run had a TLS target, whether it ran or failed to start. */
    boolean tlsAsked() {
        return results.containsKey(SPILLWAY_TLS) || failures.containsKey(SPILLWAY_TLS);
    }

    /** {@code ratio_get per round: 1.21x-1.35x over 5 rounds}: how far the rounds' a/b ratios spread. */
    private void printRoundSpread(PrintStream out, String label, String a, String b, String phase) {
        List<Double> r = roundRatios(a, b, phase).stream().filter(v -> !Double.isNaN(v)).toList();
        if (r.isEmpty()) {
            return;
        }
        double min = r.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double max = r.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        out.printf(Locale.ROOT, "%-22s %s-%s over %d rounds%n", label + " per round:", fmt(min), fmt(max), r.size());
    }

    private void printRatioRow(PrintStream out, String label, String a, String b) {
        out.printf(Locale.ROOT, "%-22s %10s %10s %10s%n", label, fmt(ratio(a, b, PUT)), fmt(ratio(a, b, GET)),
            fmt(ratio(a, b, BATCH_GET)));
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2fx", v);
    }

    void writeJson(Path file) throws IOException {
        JsonWriter w = new JsonWriter().beginObject()
            .field("kind", "spillway-bench-compare")
            .field("version", 1)
            .field("ratio_get", ratio("spillway", "redis", GET))
            .field("ratio_put", ratio("spillway", "redis", PUT))
            .field("ratio_batch_get", ratio("spillway", "redis", BATCH_GET));
        w.name("rounds").beginObject();
        for (String p : PHASES) {
            w.name(key(p)).beginArray();
            roundRatios("spillway", "redis", p).forEach(w::value);
            w.endArray();
        }
        w.endObject();
        if (tlsAsked()) {
            writeTls(w);
        }
        if (!peers().isEmpty()) {
            writePeers(w);
        }
        double load = gbps("spillway", BATCH_GET);
        if (load > 0) {
            // what bench eval --costs and the router's --costs read: a pod loads a run of blocks as batch gets
            w.name("costs").beginObject().field("cpu_gbps", load).field("source", "bench compare, spillway batch get of "
                + Sizes.format(specs.get(0).blockBytes()) + " blocks, " + LocalDate.now(ZoneOffset.UTC)).endObject();
        }
        w.name("tcp_ceiling").beginObject();
        for (String p : PHASES) {
            w.field(key(p) + "_gbps", gbps("tcp", p));
        }
        facts.getOrDefault("tcp", Map.of()).forEach(w::field);
        w.endObject();
        w.name("fraction_of_tcp").beginObject();
        for (String t : List.of("spillway", "redis")) {
            w.name(t).beginObject();
            for (String p : PHASES) {
                w.field(key(p), ratio(t, "tcp", p));
            }
            w.endObject();
        }
        w.endObject();
        w.name("workload");
        ResultJson.workload(w, specs.get(0), connections);
        w.field("batch_get_blocks", spec(BATCH_GET).batch());
        w.name("machine").beginObject()
            .field("cores", Runtime.getRuntime().availableProcessors())
            .field("java", System.getProperty("java.version"))
            .field("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"))
            .endObject();
        w.name("results").beginObject();
        results.forEach((target, byPhase) -> {
            w.name(target).beginObject();
            byPhase.forEach((phase, r) -> {
                w.name(key(phase));
                ResultJson.phase(w, r, CompareCommand.mainOp(r));
            });
            w.endObject();
        });
        w.endObject();
        w.name("failures").beginObject();
        failures.forEach(w::field);
        w.endObject();
        w.field("clean", failures.isEmpty() && allClean());
        w.endObject();
        Files.writeString(file, w.toJson() + "\n", StandardCharsets.UTF_8);
    }

    /** {@code "tls"}: Spillway TLS over Spillway plaintext, merged and per round, and the TLS providers. */
    private void writeTls(JsonWriter w) {
        w.name("tls").beginObject()
            .field("ratio_get", ratio(SPILLWAY_TLS, SPILLWAY, GET))
            .field("ratio_put", ratio(SPILLWAY_TLS, SPILLWAY, PUT))
            .field("ratio_batch_get", ratio(SPILLWAY_TLS, SPILLWAY, BATCH_GET));
        w.name("rounds").beginObject();
        for (String p : PHASES) {
            w.name(key(p)).beginArray();
            roundRatios(SPILLWAY_TLS, SPILLWAY, p).forEach(w::value);
            w.endArray();
        }
        w.endObject();
        facts.getOrDefault(SPILLWAY_TLS, Map.of()).forEach(w::field);
        w.endObject();
    }

    /**
     * {@code "peers"}: per peer, Spillway over the peer ({@code ratio_*}, merged; {@code rounds}, per round), the
     * peer as a fraction of the TCP ceiling, and how it was driven.
     */
    private void writePeers(JsonWriter w) {
        w.name("peers").beginObject();
        for (String peer : peers()) {
            w.name(peer).beginObject()
                .field("ratio_get", ratio(SPILLWAY, peer, GET))
                .field("ratio_put", ratio(SPILLWAY, peer, PUT))
                .field("ratio_batch_get", ratio(SPILLWAY, peer, BATCH_GET));
            w.name("rounds").beginObject();
            for (String p : PHASES) {
                w.name(key(p)).beginArray();
                roundRatios(SPILLWAY, peer, p).forEach(w::value);
                w.endArray();
            }
            w.endObject();
            w.name("fraction_of_tcp").beginObject();
            for (String p : PHASES) {
                w.field(key(p), ratio(peer, "tcp", p));
            }
            w.endObject();
            facts.getOrDefault(peer, Map.of()).forEach(w::field);
            w.endObject();
        }
        w.endObject();
    }

    private static String key(String phase) {
        return phase.replace('-', '_');
    }
}
