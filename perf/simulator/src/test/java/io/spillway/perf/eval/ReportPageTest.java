package io.spillway.perf.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What report.html says, read as text: the trace's name, the costs, real tables, and which charts it draws. */
class ReportPageTest {
    @Test
    void thePageNamesItsWorkloadAndCostsAndHoldsTablesNotPreformattedText() throws Exception {
        String html = SmallEvaluation.report().html();
        assertTrue(html.contains("<span id='trace-name'>shared-prefix</span>"), "the workload's own name");
        assertTrue(html.contains("<td class='num'>2,097,152</td><td>bytes</td>"), "the model's block bytes");
        assertTrue(html.contains("<td>cluster CPU tier into a pod</td><td class='num'>10</td><td>GB/s</td>"), html);
        assertTrue(html.contains("<td>prefill</td><td class='num'>8,000</td><td>tokens/s</td>"), html);
        assertTrue(html.contains("<table id='table-load-0'") && html.contains("<table id='table-load-1'"));
        assertTrue(html.contains("<th class='num' scope='col'>TTFT p90 (ms)</th>"),
            "numbers right-aligned, unit named");
        assertFalse(html.contains("<pre>"), "no Markdown in a preformatted block");
        assertFalse(html.contains("<script"), "nothing to run, nothing fetched");
        assertTrue(html.contains("id='chart-ttft'") && html.contains("id='chart-hits'"));
        assertFalse(html.contains("chart-live") || html.contains("chart-break-even"), "neither was given");
    }

    @Test
    void liveRunsAreDrawnBesideTheirVirtualTwinsNotAsALoad() throws Exception {
        EvalReport small = SmallEvaluation.report();
        List<LiveAgainstVirtual> pairs = SmallEvaluation.pairs(small);
        List<RunResult> demoLike = new ArrayList<>(); // as the demo reports: the live runs as a load called "live"
        pairs.forEach(p -> demoLike.add(p.live()));
        demoLike.addAll(small.byLoad().get("1x"));
        EvalReport report = new EvalReport(small.workload(), small.oracleHitTokens(), 2, demoLike, small.costs())
            .withLiveAgainstVirtual(pairs);
        LineChart ttft = new ReportPage(report).ttftChart();
        assertEquals(List.of("1x"), ttft.x(), "the TTFT-against-load chart has no 'live' load");
        String html = report.html();
        assertTrue(html.contains("id='chart-live-hits'") && html.contains("id='chart-live-ttft'")
            && html.contains("id='table-live'"));
        String liveChart = html.substring(html.indexOf("id='chart-live-hits'"));
        liveChart = liveChart.substring(0, liveChart.indexOf("</svg>"));
        assertEquals(2 * pairs.size(), liveChart.split("class='bar'", -1).length - 1, "a bar each, live and virtual");
        assertFalse(liveChart.contains("<polyline"), "bars, not a line");
    }

    @Test
    void theHitsChartStacksEveryTierOfEveryRun() throws Exception {
        EvalReport report = SmallEvaluation.report();
        BarChart hits = new ReportPage(report).hitsChart();
        assertEquals(report.results().size(), hits.categories().size());
        RunResult spillway4x = report.byLoad().get("4x").get(2);
        int at = hits.categories().indexOf("spillway\n4x");
        double sum = 0;
        for (BarChart.Series s : hits.series()) {
            sum += s.values()[at];
        }
        assertEquals(spillway4x.inputTokens(), sum, 0.0, "GPU + cluster CPU + NVMe + miss = the prompt tokens");
        assertEquals(List.of("GPU", "cluster CPU", "cluster NVMe", "miss (prefilled)"),
            hits.series().stream().map(BarChart.Series::name).toList());
    }

    @Test
    void aBreakEvenSweepGetsItsChartAndTable() throws Exception {
        List<BreakEvenPoint> sweep = List.of(new BreakEvenPoint(0.5, 8_000, Policy.SPILLWAY, 900, 10),
            new BreakEvenPoint(5, 8_000, Policy.SPILLWAY, 300, 20), new BreakEvenPoint(0.5, 8_000, Policy.PRECISE,
            500, 5), new BreakEvenPoint(5, 8_000, Policy.PRECISE, 500, 5));
        String html = SmallEvaluation.report().withBreakEvenSweep(sweep).html();
        assertTrue(html.contains("id='chart-break-even'") && html.contains("id='table-break-even'"));
        String chart = html.substring(html.indexOf("id='chart-break-even'"));
        chart = chart.substring(0, chart.indexOf("</svg>"));
        assertEquals(2, chart.split("class='series'", -1).length - 1, "a line per policy");
        assertTrue(chart.contains(">0.50<") && chart.contains(">5<"), "bandwidths on the x axis");
    }
}
