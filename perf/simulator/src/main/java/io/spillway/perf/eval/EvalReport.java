package io.spillway.perf.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** An evaluation's results as Markdown tables, CSV, and an HTML page with a chart of TTFT p90 against load. */
final class EvalReport {
    private static final String[] COLOURS = {"#8c8c8c", "#b07aa1", "#edc948", "#f28e2b", "#4e79a7", "#e15759"};

    private final Workload workload;
    private final long oracleHitTokens;
    private final int pods;
    private final List<RunResult> results;
    private final Map<String, List<RunResult>> byLoad = new LinkedHashMap<>();

    EvalReport(Workload workload, long oracleHitTokens, int pods, List<RunResult> results) {
        this.workload = workload;
        this.oracleHitTokens = oracleHitTokens;
        this.pods = pods;
        this.results = results;
        for (RunResult r : results) {
            byLoad.computeIfAbsent(r.load(), k -> new ArrayList<>()).add(r);
        }
    }

    static String number(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }

    private double ofOracle(RunResult r) {
        return oracleHitTokens == 0 ? 0 : r.hitTokens() / (double) oracleHitTokens;
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

    /** A page: the chart (TTFT p90 per policy against load, log scale) and the tables. */
    String html() {
        String tables = markdown().replace("&", "&amp;").replace("<", "&lt;");
        return "<!doctype html><html><head><meta charset='utf-8'><title>Spillway routing evaluation</title></head>"
            + "<body><h1>" + escape(workload.name()) + ": TTFT p90 against load</h1>" + svg()
            + "<pre>" + tables + "</pre></body></html>\n";
    }

    /** The chart alone: TTFT p90 per policy against load, log scale (an SVG document). */
    String svg() {
        List<String> loads = new ArrayList<>(byLoad.keySet());
        List<Policy> policies = new ArrayList<>();
        for (RunResult r : results) {
            if (!policies.contains(r.policy())) {
                policies.add(r.policy());
            }
        }
        double min = Double.MAX_VALUE;
        double max = 0;
        for (RunResult r : results) {
            double v = Math.max(1, r.ttftP90Millis());
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        double lo = Math.floor(Math.log10(min));
        double hi = Math.max(lo + 1, Math.ceil(Math.log10(max)));
        int w = 720;
        int h = 360;
        int left = 70;
        int bottom = 40;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
            + "font-family='sans-serif' font-size='12'>", w + 160, h + 20));
        for (double d = lo; d <= hi; d++) {
            double y = y(Math.pow(10, d), lo, hi, h - bottom);
            svg.append(String.format(Locale.ROOT, "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' stroke='#ddd'/>"
                + "<text x='%d' y='%.1f' text-anchor='end'>%s ms</text>", left, w, y, y, left - 6, y + 4,
                number(Math.pow(10, d))));
        }
        for (int i = 0; i < loads.size(); i++) {
            svg.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' text-anchor='middle'>%s</text>",
                x(i, loads.size(), left, w), h - bottom + 20, escape(loads.get(i))));
        }
        for (int p = 0; p < policies.size(); p++) {
            String colour = COLOURS[policies.get(p).ordinal() % COLOURS.length];
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < loads.size(); i++) {
                for (RunResult r : byLoad.get(loads.get(i))) {
                    if (r.policy() == policies.get(p)) {
                        double px = x(i, loads.size(), left, w);
                        double py = y(Math.max(1, r.ttftP90Millis()), lo, hi, h - bottom);
                        points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
                        svg.append(String.format(Locale.ROOT, "<circle cx='%.1f' cy='%.1f' r='3' fill='%s'/>", px,
                            py, colour));
                    }
                }
            }
            svg.append(String.format(Locale.ROOT, "<polyline fill='none' stroke='%s' stroke-width='2' points='%s'/>"
                + "<text x='%d' y='%d' fill='%s'>%s</text>", colour, points, w + 10, 20 + 18 * p, colour,
                policies.get(p).label()));
        }
        svg.append(String.format(Locale.ROOT, "<text x='%d' y='%d' text-anchor='middle'>load</text>", (left + w) / 2,
            h + 15));
        svg.append("</svg>");
        return svg.toString();
    }

    private static double x(int i, int n, int left, int w) {
        return n == 1 ? (left + w) / 2.0 : left + 30 + i * (w - left - 60) / (double) (n - 1);
    }

    private static double y(double v, double lo, double hi, int height) {
        return 10 + (height - 10) * (1 - (Math.log10(v) - lo) / (hi - lo));
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace("'", "&#39;");
    }
}
