package io.spillway.perf;

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
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The outcome of {@code bench compare}: every target's phases, and the ratios that matter: Spillway over Redis
 * ({@code ratio_put}, {@code ratio_get}, {@code ratio_batch_get}) and Spillway as a fraction of the TCP ceiling.
 */
final class CompareReport {
    static final String PUT = "put";
    static final String GET = "get";
    static final String BATCH_GET = "batch-get";
    private static final List<String> PHASES = List.of(PUT, GET, BATCH_GET);

    private final List<PhaseSpec> specs;
    private final int connections;
    private final Map<String, Map<String, PhaseResult>> results;
    private final Map<String, String> failures;

    CompareReport(List<PhaseSpec> specs, int connections, Map<String, Map<String, PhaseResult>> results,
                  Map<String, String> failures) {
        this.specs = specs;
        this.connections = connections;
        this.results = results;
        this.failures = failures;
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

    boolean allClean() {
        return results.values().stream().flatMap(m -> m.values().stream()).allMatch(PhaseResult::clean);
    }

    void print(PrintStream out) {
        PhaseSpec first = specs.get(0);
        out.printf(Locale.ROOT, "%nworkload: %s blocks, %d connections, %d threads, batch-get %d blocks, working set %d"
                + " blocks, %s writes, %.0fs warmup + %.0fs per phase%n", io.spillway.config.Sizes.format(
                first.blockBytes()), connections, first.threads(), spec(BATCH_GET).batch(), first.blocks(),
            first.writes().name().toLowerCase(Locale.ROOT), first.warmup().toMillis() / 1e3,
            first.duration().toMillis() / 1e3);
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
        w.name("tcp_ceiling").beginObject();
        for (String p : PHASES) {
            w.field(key(p) + "_gbps", gbps("tcp", p));
        }
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

    private static String key(String phase) {
        return phase.replace('-', '_');
    }
}
