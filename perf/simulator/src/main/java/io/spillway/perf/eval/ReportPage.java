package io.spillway.perf.eval;

import io.spillway.placement.index.Medium;
import io.spillway.placement.routing.TransferCostModel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code report.html}: one page, no script and nothing fetched, so it opens offline. The workload's own name and
 * size, the costs the runs paid, a chart per question (TTFT p50/p90 against load per policy; hit tokens by tier as
 * stacked bars per policy; live against virtual side by side, when there were live runs; where the win ends, when a
 * break-even sweep was given), then the tables. Element ids are stable ({@code chart-ttft}, {@code chart-hits},
 * {@code chart-live-hits}, {@code chart-live-ttft}, {@code chart-break-even}, {@code table-costs},
 * {@code table-load-N}, {@code table-live}, {@code table-break-even}): the page's browser test finds them by these.
 */
final class ReportPage {
    /** A colour per policy, by ordinal: the same policy has the same colour in every chart. */
    private static final String[] POLICY_COLOURS = {"#8c8c8c", "#b07aa1", "#edc948", "#f28e2b", "#4e79a7",
        "#e15759"};
    private static final String GPU = "#59a14f";
    private static final String CLUSTER_CPU = "#4e79a7";
    private static final String CLUSTER_NVME = "#f28e2b";
    private static final String MISS = "#d9d9d9";
    private static final String VIRTUAL = "#a0cbe8";
    private static final String LIVE = "#e15759";
    private static final String STYLE = "body{font-family:sans-serif;margin:24px;color:#222;max-width:1400px}"
        + "h1{font-size:22px}h2{font-size:18px;margin-top:32px}"
        + "table{border-collapse:collapse;margin:12px 0 24px}caption{text-align:left;font-weight:bold;padding:4px 0}"
        + "th,td{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left}th{background:#f3f3f3}"
        + ".num{text-align:right;font-variant-numeric:tabular-nums}figure{margin:12px 0}"
        + "figcaption{color:#555;font-size:13px;max-width:900px}.charts{display:flex;flex-wrap:wrap;gap:16px}"
        + ".notes{color:#555}";

    private final EvalReport report;

    ReportPage(EvalReport report) {
        this.report = report;
    }

    String html() {
        Workload w = report.workload();
        StringBuilder s = new StringBuilder("<!doctype html><html lang='en'><head><meta charset='utf-8'><title>")
            .append(Svg.escape("Spillway routing evaluation: " + w.name())).append("</title><style>").append(STYLE)
            .append("</style></head><body>");
        s.append("<h1>Spillway routing evaluation: <span id='trace-name'>").append(Svg.escape(w.name()))
            .append("</span></h1>");
        s.append(String.format(Locale.ROOT, "<p>%,d requests, %,d prompt tokens, %d pods. The oracle (an unbounded "
            + "cache shared by every pod) hits %,d prompt tokens (%.1f%%).</p>", w.requests().size(), w.inputTokens(),
            report.pods(), report.oracleHitTokens(), 100.0 * report.oracleHitTokens() / Math.max(1, w.inputTokens())));
        for (String note : report.notes()) {
            s.append("<p class='notes'>").append(Svg.escape(note)).append("</p>");
        }
        s.append("<h2>Costs used</h2>").append(costsTable().html());
        s.append("<h2>Time to first token against load</h2>");
        figure(s, ttftChart().svg(), "TTFT p90 (solid) and p50 (dashed) per policy, log scale" + (loads().size() == 1
            ? "; one load, so each policy is a point" : ""));
        s.append("<h2>Hit tokens by tier</h2>");
        figure(s, hitsChart().svg(), "Prompt tokens per policy: found in the chosen pod's GPU, loaded from the "
            + "cluster's CPU or NVMe tier, or prefilled (miss)");
        if (!report.live().isEmpty()) {
            s.append("<h2>Live against virtual time</h2><div class='charts'>");
            figure(s, liveChart("chart-live-hits", "hit % of prompt tokens", r -> 100 * r.hitRate()).svg(),
                "Hit % of prompt tokens, virtual time beside live (sockets, wall-clock time)");
            figure(s, liveChart("chart-live-ttft", "TTFT p90 ms", RunResult::ttftP90Millis).svg(),
                "TTFT p90, virtual time beside live");
            s.append("</div>");
        }
        breakEven(s);
        s.append("<h2>Tables</h2>");
        int n = 0;
        for (Map.Entry<String, List<RunResult>> load : report.byLoad().entrySet()) {
            s.append(loadTable("table-load-" + n++, load.getKey(), load.getValue()).html());
        }
        if (!report.live().isEmpty()) {
            s.append(liveTable().html());
        }
        return s.append("</body></html>\n").toString();
    }

    /** TTFT p90 and p50 per policy against the loads that were run in virtual time (live runs are not loads). */
    LineChart ttftChart() {
        List<String> loads = loads();
        List<LineChart.Series> series = new ArrayList<>();
        for (Policy p : policies()) {
            double[] p90 = new double[loads.size()];
            double[] p50 = new double[loads.size()];
            for (int i = 0; i < loads.size(); i++) {
                RunResult r = find(loads.get(i), p);
                p90[i] = r == null ? Double.NaN : r.ttftP90Millis();
                p50[i] = r == null ? Double.NaN : r.ttftP50Millis();
            }
            series.add(new LineChart.Series(p.label() + " p90", colour(p), false, p90));
            series.add(new LineChart.Series(p.label() + " p50", colour(p), true, p50));
        }
        return new LineChart("chart-ttft", "TTFT p50 and p90 against load, " + report.workload().name(), "load",
            "ms", true, loads, series);
    }

    /** Hit tokens by tier, a stacked bar per run (policy, and its load where there are several). */
    BarChart hitsChart() {
        List<RunResult> runs = report.results();
        boolean severalLoads = report.byLoad().size() > 1;
        List<String> categories = new ArrayList<>();
        double[] gpu = new double[runs.size()];
        double[] cpu = new double[runs.size()];
        double[] nvme = new double[runs.size()];
        double[] miss = new double[runs.size()];
        for (int i = 0; i < runs.size(); i++) {
            RunResult r = runs.get(i);
            categories.add(severalLoads ? r.policy().label() + "\n" + r.load() : r.policy().label());
            gpu[i] = r.gpuHitTokens();
            cpu[i] = r.cpuHitTokens();
            nvme[i] = r.nvmeHitTokens();
            miss[i] = Math.max(0, r.inputTokens() - r.hitTokens());
        }
        return new BarChart("chart-hits", "Hit tokens by tier per policy, " + report.workload().name(),
            "prompt tokens", BarChart.Layout.STACKED, categories, List.of(new BarChart.Series("GPU", GPU, gpu),
            new BarChart.Series("cluster CPU", CLUSTER_CPU, cpu), new BarChart.Series("cluster NVMe", CLUSTER_NVME,
            nvme), new BarChart.Series("miss (prefilled)", MISS, miss)));
    }

    private interface Measure {
        double of(RunResult r);
    }

    private BarChart liveChart(String id, String unit, Measure measure) {
        List<LiveAgainstVirtual> pairs = report.live();
        boolean severalLoads = pairs.stream().map(LiveAgainstVirtual::load).distinct().count() > 1;
        List<String> categories = new ArrayList<>();
        double[] virtual = new double[pairs.size()];
        double[] live = new double[pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            LiveAgainstVirtual pair = pairs.get(i);
            categories.add(severalLoads ? pair.policy().label() + "\n" + pair.load() : pair.policy().label());
            virtual[i] = measure.of(pair.virtual());
            live[i] = measure.of(pair.live());
        }
        return new BarChart(id, "Live against virtual time: " + unit, unit, BarChart.Layout.GROUPED, categories,
            List.of(new BarChart.Series("virtual time", VIRTUAL, virtual), new BarChart.Series("live", LIVE, live)));
    }

    /**
     * Where the win ends: TTFT p90 per policy (and prefill rate, where the sweep has several) against the cluster's
     * bandwidth, from the sweep the report was given ({@link EvalReport#withBreakEvenSweep}); nothing without one.
     */
    private void breakEven(StringBuilder s) {
        List<BreakEvenPoint> sweep = report.breakEven();
        if (sweep.isEmpty()) {
            return;
        }
        TreeSet<Double> bandwidths = new TreeSet<>();
        Map<String, Map<Double, BreakEvenPoint>> lines = new LinkedHashMap<>();
        Set<Double> prefillRates = new TreeSet<>();
        sweep.forEach(p -> prefillRates.add(p.prefillTokensPerSecond()));
        HtmlTable table = new HtmlTable("table-break-even", "Break-even sweep").text("policy")
            .number("cluster bandwidth (GB/s)").number("prefill (tokens/s)").number("TTFT p90 (ms)")
            .number("hit tokens");
        for (BreakEvenPoint p : sweep) {
            bandwidths.add(p.clusterGigabytesPerSecond());
            String name = prefillRates.size() > 1 ? p.policy().label() + " @ "
                + Svg.number(p.prefillTokensPerSecond()) + " tok/s" : p.policy().label();
            lines.computeIfAbsent(name, k -> new LinkedHashMap<>()).put(p.clusterGigabytesPerSecond(), p);
            table.row(p.policy().label(), Svg.number(p.clusterGigabytesPerSecond()),
                Svg.number(p.prefillTokensPerSecond()), Svg.number(p.ttftP90Millis()),
                String.format(Locale.ROOT, "%,d", p.hitTokens()));
        }
        List<Double> x = new ArrayList<>(bandwidths);
        List<LineChart.Series> series = new ArrayList<>();
        lines.forEach((name, points) -> {
            double[] v = new double[x.size()];
            for (int i = 0; i < x.size(); i++) {
                BreakEvenPoint p = points.get(x.get(i));
                v[i] = p == null ? Double.NaN : p.ttftP90Millis();
            }
            Policy policy = points.values().iterator().next().policy();
            series.add(new LineChart.Series(name, colour(policy), false, v));
        });
        s.append("<h2>Where the win ends</h2>");
        figure(s, new LineChart("chart-break-even", "TTFT p90 against cluster bandwidth", "cluster bandwidth (GB/s)",
            "ms", true, x.stream().map(Svg::number).toList(), series).svg(), "TTFT p90 per policy as the cluster "
            + "tier's bandwidth into a pod varies, log scale");
        s.append(table.html());
    }

    private HtmlTable costsTable() {
        TransferCostModel c = report.costs();
        HtmlTable t = new HtmlTable("table-costs", "The transfer-cost model the runs paid").text("figure")
            .number("value").text("unit");
        t.row("KV block", String.format(Locale.ROOT, "%,d", c.bytesPerBlock()), "bytes");
        t.row("tokens per block", Integer.toString(c.tokensPerBlock()), "tokens");
        t.row("cluster CPU tier into a pod", Svg.number(c.cpuBytesPerSecond() / 1e9), "GB/s");
        t.row("cluster NVMe tier into a pod", Svg.number(c.nvmeBytesPerSecond() / 1e9), "GB/s");
        t.row("fixed cost of a load", Svg.number(c.overheadNanosPerLoad() / 1e3), "µs");
        t.row("prefill", Svg.number(c.prefillTokensPerSecond()), "tokens/s");
        t.row("one block: prefill", Svg.number(c.prefillSecondsPerBlock() * 1e3), "ms");
        t.row("one block: load from CPU tier", Svg.number((c.loadSeconds(Medium.CPU, 1) - c.overheadNanosPerLoad()
            / 1e9) * 1e3), "ms");
        t.row("one block: load from NVMe tier", Svg.number((c.loadSeconds(Medium.NVME, 1) - c.overheadNanosPerLoad()
            / 1e9) * 1e3), "ms");
        return t;
    }

    private HtmlTable loadTable(String id, String load, List<RunResult> runs) {
        HtmlTable t = new HtmlTable(id, "Load " + load).text("policy").number("hit %").number("of oracle %")
            .number("GPU hit tokens").number("cluster CPU hit tokens").number("cluster NVMe hit tokens")
            .number("TTFT p50 (ms)").number("TTFT p90 (ms)").number("TTFT p99 (ms)").number("output (tokens/s)")
            .number("mean queue (requests/pod)");
        for (RunResult r : runs) {
            t.row(r.policy().label(), fixed(100 * r.hitRate(), 1), fixed(100 * report.ofOracle(r), 1),
                grouped(r.gpuHitTokens()), grouped(r.cpuHitTokens()), grouped(r.nvmeHitTokens()),
                fixed(r.ttftP50Millis(), 0), fixed(r.ttftP90Millis(), 0), fixed(r.ttftP99Millis(), 0),
                fixed(r.outputTokensPerSecond(), 0), Double.isNaN(r.meanQueue()) ? "n/a" : fixed(r.meanQueue(), 2));
        }
        return t;
    }

    private HtmlTable liveTable() {
        HtmlTable t = new HtmlTable("table-live", "Live against virtual time").text("load").text("policy")
            .number("virtual hit %").number("live hit %").number("gap %").number("live cluster hit %")
            .number("virtual TTFT p90 (ms)").number("live TTFT p90 (ms)");
        for (LiveAgainstVirtual pair : report.live()) {
            RunResult v = pair.virtual();
            RunResult l = pair.live();
            double gap = v.hitRate() == 0 ? 0 : (l.hitRate() - v.hitRate()) / v.hitRate();
            t.row(pair.load(), pair.policy().label(), fixed(100 * v.hitRate(), 1), fixed(100 * l.hitRate(), 1),
                String.format(Locale.ROOT, "%+.1f", 100 * gap), fixed(100.0 * (l.cpuHitTokens() + l.nvmeHitTokens())
                    / Math.max(1, l.inputTokens()), 1), fixed(v.ttftP90Millis(), 0), fixed(l.ttftP90Millis(), 0));
        }
        return t;
    }

    /** The loads run in virtual time: every load but those whose runs are all live runs of the comparison. */
    private List<String> loads() {
        Set<RunResult> live = Collections.newSetFromMap(new IdentityHashMap<>());
        report.live().forEach(p -> live.add(p.live()));
        List<String> loads = new ArrayList<>();
        report.byLoad().forEach((load, runs) -> {
            if (!live.containsAll(runs)) {
                loads.add(load);
            }
        });
        return loads;
    }

    private List<Policy> policies() {
        List<Policy> policies = new ArrayList<>();
        for (RunResult r : report.results()) {
            if (!policies.contains(r.policy())) {
                policies.add(r.policy());
            }
        }
        return policies;
    }

    private RunResult find(String load, Policy policy) {
        for (RunResult r : report.byLoad().getOrDefault(load, List.of())) {
            if (r.policy() == policy) {
                return r;
            }
        }
        return null;
    }

    private static String colour(Policy p) {
        return POLICY_COLOURS[p.ordinal() % POLICY_COLOURS.length];
    }

    private static void figure(StringBuilder s, String svg, String caption) {
        s.append("<figure>").append(svg).append("<figcaption>").append(Svg.escape(caption))
            .append("</figcaption></figure>");
    }

    private static String fixed(double v, int decimals) {
        return String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    private static String grouped(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }
}
