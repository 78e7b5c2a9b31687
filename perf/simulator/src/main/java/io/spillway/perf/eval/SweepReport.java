package io.spillway.perf.eval;

import io.spillway.placement.routing.CostInputs;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The sweep's CSV, its markdown tables and its chart. The break-even bandwidth of a load and prefill rate is the
 * lowest swept bandwidth from which up Spillway's TTFT p90 is better than precise's by more than {@link #MARGIN}
 * at every swept bandwidth; below it Spillway is no better. The cost model's own break-even (where loading a block
 * takes as long as prefilling it: bytes per token × prefill tokens/s) is printed beside it.
 */
public final class SweepReport {
    /**
     * Spillway counts as better than precise when its TTFT p90 is below {@code (1 - MARGIN)} × precise's: below the
     * break-even the two differ by up to 3% without a single cluster hit (the Mooncake sweep: Spillway's index also
     * holds the nodes' entries, so its ties break otherwise), which is routing noise, not the cluster's worth.
     */
    public static final double MARGIN = 0.05;
    private static final String[] COLOURS = {"#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#b07aa1"};

    private final List<SweepPoint> points;
    private final CostInputs base;

    public SweepReport(List<SweepPoint> points, CostInputs base) {
        this.points = List.copyOf(points);
        this.base = base;
    }

    /** A break-even: the bandwidth from which Spillway wins, and the swept one below it (empty when none). */
    public record BreakEven(String load, double prefillTokensPerSecond, double modelGbps, Optional<Double> fromGbps,
                            Optional<Double> belowGbps) {
        String describe() {
            return fromGbps.map(f -> belowGbps.map(b -> "between " + EvalReport.number(b) + " and "
                + EvalReport.number(f) + " GB/s").orElse("below " + EvalReport.number(f) + " GB/s (the lowest swept)"))
                .orElse("nowhere: no better at any swept bandwidth");
        }
    }

    /** The break-even of each load and prefill rate that has both Spillway and precise runs. */
    public List<BreakEven> breakEvens() {
        List<BreakEven> out = new ArrayList<>();
        for (String load : loads()) {
            for (double prefill : prefills()) {
                Optional<SweepPoint> precise = find(load, prefill, Policy.PRECISE, Double.NaN);
                List<SweepPoint> spill = spillway(load, prefill);
                if (precise.isEmpty() || spill.isEmpty()) {
                    continue;
                }
                double reference = precise.get().result().ttftP90Millis();
                Double from = null;
                Double below = null;
                for (int i = spill.size() - 1; i >= 0; i--) {
                    if (spill.get(i).result().ttftP90Millis() < (1 - MARGIN) * reference) {
                        from = spill.get(i).clusterGbps();
                        below = i > 0 ? spill.get(i - 1).clusterGbps() : null;
                    } else {
                        break;
                    }
                }
                double model = BandwidthSweep.at(base, 1, prefill).breakEvenGbps();
                out.add(new BreakEven(load, prefill, model, Optional.ofNullable(from), Optional.ofNullable(below)));
            }
        }
        return out;
    }

    /** Every point, a row each; {@code cluster_gbps} empty for policies that never load from the cluster. */
    public String csv() {
        StringBuilder b = new StringBuilder("workload,load,prefill_tokens_per_s,cluster_gbps,policy,requests,"
            + "input_tokens,gpu_hit_tokens,cpu_hit_tokens,nvme_hit_tokens,ttft_p50_ms,ttft_p90_ms,ttft_p99_ms\n");
        for (SweepPoint p : points) {
            RunResult r = p.result();
            b.append(String.format(Locale.ROOT, "%s,%s,%.0f,%s,%s,%d,%d,%d,%d,%d,%.1f,%.1f,%.1f%n",
                p.workload().replace(',', ';'), p.load(), p.prefillTokensPerSecond(),
                p.loadsFromCluster() ? EvalReport.number(p.clusterGbps()) : "", p.policy().label(), r.requests(),
                r.inputTokens(), r.gpuHitTokens(), r.cpuHitTokens(), r.nvmeHitTokens(), r.ttftP50Millis(),
                r.ttftP90Millis(), r.ttftP99Millis()));
        }
        return b.toString();
    }

    /** The break-even table, then per load and prefill rate Spillway's TTFT p90 and hits at each bandwidth. */
    public String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("| load | prefill tok/s | cost model's break-even GB/s | Spillway better than precise from "
            + "| precise p90 ms | round-robin p90 ms |\n|---|---:|---:|---|---:|---:|\n");
        for (BreakEven e : breakEvens()) {
            b.append(String.format(Locale.ROOT, "| %s | %,.0f | %.2f | %s | %,.0f | %s |%n", e.load(),
                e.prefillTokensPerSecond(), e.modelGbps(), e.describe(),
                find(e.load(), e.prefillTokensPerSecond(), Policy.PRECISE, Double.NaN).orElseThrow().result()
                    .ttftP90Millis(), find(e.load(), e.prefillTokensPerSecond(), Policy.ROUND_ROBIN, Double.NaN)
                    .map(p -> String.format(Locale.ROOT, "%,.0f", p.result().ttftP90Millis())).orElse("-")));
        }
        b.append("\n| load | prefill tok/s | GB/s | Spillway p90 ms | over precise | hit % | cluster hit % |\n"
            + "|---|---:|---:|---:|---:|---:|---:|\n");
        for (String load : loads()) {
            for (double prefill : prefills()) {
                Optional<SweepPoint> precise = find(load, prefill, Policy.PRECISE, Double.NaN);
                for (SweepPoint p : spillway(load, prefill)) {
                    RunResult r = p.result();
                    b.append(String.format(Locale.ROOT, "| %s | %,.0f | %s | %,.0f | %s | %.1f | %.1f |%n", load,
                        prefill, EvalReport.number(p.clusterGbps()), r.ttftP90Millis(),
                        precise.map(q -> String.format(Locale.ROOT, "%.2f", r.ttftP90Millis()
                            / q.result().ttftP90Millis())).orElse("-"), 100 * r.hitRate(),
                        100.0 * (r.cpuHitTokens() + r.nvmeHitTokens()) / Math.max(1, r.inputTokens())));
                }
            }
        }
        return b.toString();
    }

    /**
     * TTFT p90 against cluster bandwidth, both log scale, for the first load: Spillway a solid line per prefill
     * rate, precise (dashed) and round-robin (dotted) flat at the same colour (an SVG document).
     */
    public String svg() {
        String load = loads().isEmpty() ? "" : loads().get(0);
        List<Double> gbps = new ArrayList<>(new TreeSet<>(points.stream().filter(SweepPoint::loadsFromCluster)
            .map(SweepPoint::clusterGbps).toList()));
        double min = Double.MAX_VALUE;
        double max = 0;
        for (SweepPoint p : points) {
            if (p.load().equals(load)) {
                min = Math.min(min, Math.max(1, p.result().ttftP90Millis()));
                max = Math.max(max, Math.max(1, p.result().ttftP90Millis()));
            }
        }
        if (gbps.isEmpty() || max == 0) {
            return "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>";
        }
        double lo = Math.floor(Math.log10(min));
        double hi = Math.max(lo + 1, Math.ceil(Math.log10(max)));
        double xlo = Math.log10(gbps.get(0));
        double xhi = Math.max(xlo + 1e-9, Math.log10(gbps.get(gbps.size() - 1)));
        int w = 720;
        int h = 360;
        int left = 70;
        int bottom = 40;
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' "
            + "width='%d' height='%d' font-family='sans-serif' font-size='12'>", w + 230, h + 20));
        for (double d = lo; d <= hi; d++) {
            double y = y(Math.pow(10, d), lo, hi, h - bottom);
            svg.append(String.format(Locale.ROOT, "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' stroke='#ddd'/>"
                + "<text x='%d' y='%.1f' text-anchor='end'>%s ms</text>", left, w, y, y, left - 6, y + 4,
                EvalReport.number(Math.pow(10, d))));
        }
        for (double g : gbps) {
            svg.append(String.format(Locale.ROOT, "<text x='%.1f' y='%d' text-anchor='middle'>%s</text>",
                x(g, xlo, xhi, left, w), h - bottom + 20, EvalReport.number(g)));
        }
        List<Double> prefills = prefills();
        for (int i = 0; i < prefills.size(); i++) {
            double prefill = prefills.get(i);
            String colour = COLOURS[i % COLOURS.length];
            StringBuilder line = new StringBuilder();
            for (SweepPoint p : spillway(load, prefill)) {
                double px = x(p.clusterGbps(), xlo, xhi, left, w);
                double py = y(Math.max(1, p.result().ttftP90Millis()), lo, hi, h - bottom);
                line.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
                svg.append(String.format(Locale.ROOT, "<circle cx='%.1f' cy='%.1f' r='3' fill='%s'/>", px, py,
                    colour));
            }
            svg.append(String.format(Locale.ROOT, "<polyline fill='none' stroke='%s' stroke-width='2' points='%s'/>",
                colour, line));
            int legend = 20 + 54 * i;
            svg.append(String.format(Locale.ROOT, "<text x='%d' y='%d' fill='%s'>spillway, %s tok/s</text>", w + 10,
                legend, colour, EvalReport.number(prefill)));
            String[][] flats = {{"precise", "6 4"}, {"round-robin", "2 3"}};
            for (int f = 0; f < flats.length; f++) {
                Optional<SweepPoint> flat = find(load, prefill, Policy.parse(flats[f][0]), Double.NaN);
                if (flat.isPresent()) {
                    double py = y(Math.max(1, flat.get().result().ttftP90Millis()), lo, hi, h - bottom);
                    svg.append(String.format(Locale.ROOT, "<line x1='%d' x2='%d' y1='%.1f' y2='%.1f' stroke='%s' "
                        + "stroke-width='1.5' stroke-dasharray='%s'/><text x='%d' y='%d' fill='%s'>%s</text>", left,
                        w, py, py, colour, flats[f][1], w + 20, legend + 16 * (f + 1), colour, flats[f][0]
                        + (f == 0 ? " (dashed)" : " (dotted)")));
                }
            }
        }
        svg.append(String.format(Locale.ROOT, "<text x='%d' y='%d' text-anchor='middle'>cluster GB/s into a pod "
            + "(%s, load %s)</text>", (left + w) / 2, h + 15, escape(points.get(0).workload()), escape(load)));
        return svg.append("</svg>").toString();
    }

    private List<String> loads() {
        List<String> out = new ArrayList<>();
        for (SweepPoint p : points) {
            if (!out.contains(p.load())) {
                out.add(p.load());
            }
        }
        return out;
    }

    private List<Double> prefills() {
        return new ArrayList<>(new TreeSet<>(points.stream().map(SweepPoint::prefillTokensPerSecond).toList()));
    }

    private List<SweepPoint> spillway(String load, double prefill) {
        return points.stream().filter(p -> p.load().equals(load) && p.prefillTokensPerSecond() == prefill
            && p.policy() == Policy.SPILLWAY && p.loadsFromCluster())
            .sorted((a, c) -> Double.compare(a.clusterGbps(), c.clusterGbps())).toList();
    }

    private Optional<SweepPoint> find(String load, double prefill, Policy policy, double gbps) {
        return points.stream().filter(p -> p.load().equals(load) && p.prefillTokensPerSecond() == prefill
            && p.policy() == policy && (Double.isNaN(gbps) ? !p.loadsFromCluster() : p.clusterGbps() == gbps))
            .findFirst();
    }

    private static double x(double gbps, double xlo, double xhi, int left, int w) {
        return left + 30 + (Math.log10(gbps) - xlo) / (xhi - xlo) * (w - left - 60);
    }

    private static double y(double v, double lo, double hi, int height) {
        return 10 + (height - 10) * (1 - (Math.log10(v) - lo) / (hi - lo));
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace("'", "&#39;");
    }
}
