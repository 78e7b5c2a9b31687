package io.spillway.perf.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.placement.routing.CostInputs;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The sweep finds the win's end where the cost model puts it, and the costs change what the pods do. */
class BandwidthSweepTest {
    /** Two prompts of 250 blocks in turn on one pod whose GPU holds 300: each evicts the other's leading blocks. */
    private static Workload alternating(int requests) {
        BlockSpace space = new BlockSpace(Workloads.NAMESPACE, 512);
        int[] a = {0, 1, 2, 3, 4, 5, 6, 7};
        int[] b = {8, 9, 10, 11, 12, 13, 14, 15};
        List<SimRequest> out = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            out.add(new SimRequest(i * 10_000_000_000L, 4_000, 10, space.blocksOf(i % 2 == 0 ? a : b, 4_000)));
        }
        return new Workload("alternating", out, space);
    }

    private static List<SweepPoint> sweep(List<Double> gbps, List<Double> prefill) throws Exception {
        Workload w = alternating(30);
        return new BandwidthSweep(w, List.of(new Evaluation.Load("1x", w)), List.of(Policy.ROUND_ROBIN,
            Policy.PRECISE, Policy.SPILLWAY), 1, EngineParams.defaults().withGpuBlocks(300),
            new Evaluation.ClusterSize(1_000, 1_000), 1).run(CostInputs.defaults(), gbps, prefill, 2);
    }

    @Test
    void theBreakEvenLiesWhereLoadingABlockTakesAsLongAsPrefillingIt() throws Exception {
        // the cost model's break-even: 128 KiB a token x prefill rate = 1.05 GB/s at 8,000 tokens/s, 2.10 at 16,000
        List<SweepPoint> points = sweep(List.of(0.5, 1.0, 1.2, 2.0, 5.0, 10.0), List.of(8_000.0, 16_000.0));
        List<SweepReport.BreakEven> found = new SweepReport(points, CostInputs.defaults()).breakEvens();
        assertEquals(2, found.size());
        SweepReport.BreakEven at8k = found.get(0);
        assertEquals(1.048576, at8k.modelGbps(), 1e-6);
        assertEquals(Optional.of(1.2), at8k.fromGbps(), at8k.toString());
        assertEquals(Optional.of(1.0), at8k.belowGbps(), at8k.toString());
        SweepReport.BreakEven at16k = found.get(1);
        assertEquals(2.097152, at16k.modelGbps(), 1e-6);
        assertEquals(Optional.of(5.0), at16k.fromGbps(), at16k.toString());
        assertEquals(Optional.of(2.0), at16k.belowGbps(), at16k.toString());
    }

    @Test
    void belowTheBreakEvenThePodsPrefillAndSpillwayIsPrecise() throws Exception {
        List<SweepPoint> points = sweep(List.of(0.5, 10.0), List.of(8_000.0));
        RunResult precise = only(points, Policy.PRECISE, Double.NaN);
        RunResult slow = only(points, Policy.SPILLWAY, 0.5);
        RunResult fast = only(points, Policy.SPILLWAY, 10.0);
        assertEquals(0, slow.cpuHitTokens() + slow.nvmeHitTokens(), "at 0.5 GB/s no cluster hit is worth loading");
        assertEquals(precise.ttftP90Millis(), slow.ttftP90Millis(), 1e-9);
        assertTrue(fast.cpuHitTokens() > 0, "at 10 GB/s the pods load what the cluster holds");
        assertTrue(fast.ttftP90Millis() < 0.9 * precise.ttftP90Millis(), fast + " vs " + precise);
        assertEquals(4, points.size(), "round-robin and precise once, Spillway at each of the two bandwidths");
        String csv = new SweepReport(points, CostInputs.defaults()).csv();
        assertEquals(5, csv.lines().count());
        assertTrue(csv.contains(",8000,0.50,spillway,30,"), csv);
        String svg = new SweepReport(points, CostInputs.defaults()).svg();
        assertTrue(svg.startsWith("<svg") && svg.contains("spillway, 8000 tok/s") && svg.contains("precise (dashed)"),
            svg);
    }

    @Test
    void theSweepsPageDrawsEveryRunAndTabulatesTheOnesAtTheModelsBandwidth() throws Exception {
        List<SweepPoint> points = sweep(List.of(0.5, 10.0), List.of(8_000.0));
        EvalReport page = EvalCommand.sweepPage(alternating(30), points, 1, EngineParams.defaults(),
            CostInputs.defaults());
        // the cost model's 10 GB/s: Spillway's run there, and the two policies that never load
        assertEquals(3, page.results().size(), page.results().toString());
        assertTrue(page.results().contains(only(points, Policy.SPILLWAY, 10.0)));
        // precise and round-robin drawn flat across both bandwidths, Spillway once at each
        assertEquals(6, page.breakEven().size(), page.breakEven().toString());
        assertEquals(2, page.breakEven().stream().filter(p -> p.policy() == Policy.PRECISE).count());
        String html = page.html();
        assertTrue(html.contains("id='chart-break-even'") && html.contains("id='table-break-even'"), html);
    }

    private static RunResult only(List<SweepPoint> points, Policy policy, double gbps) {
        return points.stream().filter(p -> p.policy() == policy && (Double.isNaN(gbps) ? !p.loadsFromCluster()
            : p.clusterGbps() == gbps)).findFirst().orElseThrow().result();
    }
}
