package io.spillway.perf.eval;

import io.spillway.placement.routing.TransferCostModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An evaluation's results as Markdown tables, CSV, and an HTML page ({@link ReportPage}): the workload and the costs
 * it was run with, a chart per question, the tables.
 */
final class EvalReport {
    private final Workload workload;
    private final long oracleHitTokens;
    private final int pods;
    private final List<RunResult> results;
    private final TransferCostModel costs;
    private final List<LiveAgainstVirtual> live;
    private final List<BreakEvenPoint> breakEven;
    private final List<String> notes;
    private final Map<String, List<RunResult>> byLoad = new LinkedHashMap<>();

    /**
     * @param workload        what was run (its name is the trace's or workload's own)
     * @param oracleHitTokens the upper bound on hit tokens
     * @param pods            simulated pods
     * @param results         every run, in load then policy order
     * @param costs           the transfer-cost model the runs paid (shown on the page)
     */
    EvalReport(Workload workload, long oracleHitTokens, int pods, List<RunResult> results, TransferCostModel costs) {
        this(workload, oracleHitTokens, pods, results, costs, List.of(), List.of(), List.of());
    }

    private EvalReport(Workload workload, long oracleHitTokens, int pods, List<RunResult> results,
                       TransferCostModel costs, List<LiveAgainstVirtual> live, List<BreakEvenPoint> breakEven,
                       List<String> notes) {
        this.workload = workload;
        this.oracleHitTokens = oracleHitTokens;
        this.pods = pods;
        this.results = List.copyOf(results);
        this.costs = costs;
        this.live = List.copyOf(live);
        this.breakEven = List.copyOf(breakEven);
        this.notes = List.copyOf(notes);
        for (RunResult r : results) {
            byLoad.computeIfAbsent(r.load(), k -> new ArrayList<>()).add(r);
        }
    }

    static String number(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }

    String markdown() {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%n%s, %d pods; oracle (unbounded shared cache) hit tokens: %d (%.1f%% of "
            + "prompt tokens)%n", workload.name(), pods, oracleHitTokens,
            100.0 * oracleHitTokens / Math.max(1, workload.inputTokens())));
        byLoad.forEach((load, runs) -> {
            s.append(String.format(Locale.ROOT, "%nLoad %s%n%n", load));
            s.append("| policy | hit % | of oracle | GPU hit tok | cluster CPU | cluster NVMe | TTFT p50 ms "
                + "| p90 ms | p99 ms | output tok/s | mean queue |\n");
            s.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (RunResult r : runs) {
                s.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f%% | %d | %d | %d | %.0f | %.0f | %.0f | %.0f "
                    + "| %s |%n", r.policy().label(), 100 * r.hitRate(), 100 * ofOracle(r), r.gpuHitTokens(),
                    r.cpuHitTokens(), r.nvmeHitTokens(), r.ttftP50Millis(), r.ttftP90Millis(), r.ttftP99Millis(),
                    r.outputTokensPerSecond(), Double.isNaN(r.meanQueue()) ? "n/a"
                        : String.format(Locale.ROOT, "%.2f", r.meanQueue())));
            }
        });
        return s.toString();
    }

    String csv() {
        StringBuilder s = new StringBuilder("workload,load,policy,pods,requests,input_tokens,gpu_hit_tokens,"
            + "cpu_hit_tokens,nvme_hit_tokens,oracle_hit_tokens,ttft_mean_ms,ttft_p50_ms,ttft_p90_ms,ttft_p99_ms,"
            + "output_tokens_per_s,mean_queue,span_s\n");
        for (RunResult r : results) {
            s.append(String.format(Locale.ROOT, "%s,%s,%s,%d,%d,%d,%d,%d,%d,%d,%.3f,%.3f,%.3f,%.3f,%.1f,%s,%.1f%n",
                workload.name(), r.load(), r.policy().label(), pods, r.requests(), r.inputTokens(), r.gpuHitTokens(),
                r.cpuHitTokens(), r.nvmeHitTokens(), oracleHitTokens, r.ttftMeanMillis(), r.ttftP50Millis(),
                r.ttftP90Millis(), r.ttftP99Millis(), r.outputTokensPerSecond(), Double.isNaN(r.meanQueue()) ? ""
                    : String.format(Locale.ROOT, "%.4f", r.meanQueue()), r.spanSeconds()));
        }
        return s.toString();
    }

    /** The page: the workload and costs, a chart per question and the tables ({@link ReportPage}). */
    String html() {
        return new ReportPage(this).html();
    }

    /** The TTFT chart alone, an SVG document (p90 and p50 per policy against load, log scale). */
    String svg() {
        return new ReportPage(this).ttftChart().svg();
    }

    /** The same report with live runs beside their virtual twins (drawn side by side, not as loads). */
    EvalReport withLiveAgainstVirtual(List<LiveAgainstVirtual> pairs) {
        return new EvalReport(workload, oracleHitTokens, pods, results, costs, pairs, breakEven, notes);
    }

    /**
     * The same report with a break-even sweep (cluster bandwidth and prefill rate against TTFT p90 and hits) to
     * draw as "where the win ends"; with none, the page has no such chart.
     */
    EvalReport withBreakEvenSweep(List<BreakEvenPoint> sweep) {
        return new EvalReport(workload, oracleHitTokens, pods, results, costs, live, sweep, notes);
    }

    /** The same report with a line about how it was run (shown under the title). */
    EvalReport withNote(String note) {
        List<String> more = new ArrayList<>(notes);
        more.add(note);
        return new EvalReport(workload, oracleHitTokens, pods, results, costs, live, breakEven, more);
    }

    Workload workload() {
        return workload;
    }

    long oracleHitTokens() {
        return oracleHitTokens;
    }

    int pods() {
        return pods;
    }

    List<RunResult> results() {
        return results;
    }

    /** Results by load label, in run order. */
    Map<String, List<RunResult>> byLoad() {
        return byLoad;
    }

    TransferCostModel costs() {
        return costs;
    }

    List<LiveAgainstVirtual> live() {
        return live;
    }

    List<BreakEvenPoint> breakEven() {
        return breakEven;
    }

    List<String> notes() {
        return notes;
    }

    double ofOracle(RunResult r) {
        return oracleHitTokens == 0 ? 0 : r.hitTokens() / (double) oracleHitTokens;
    }
}
