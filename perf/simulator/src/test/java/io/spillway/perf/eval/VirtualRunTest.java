package io.spillway.perf.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine simulator and the runs over it, on workloads small enough to reason about. */
class VirtualRunTest {
    private static final EngineParams PARAMS = EngineParams.defaults();

    private static Workload repeated(int times, int inputTokens, long gapNanos) {
        BlockSpace space = new BlockSpace(Workloads.NAMESPACE, 512);
        int[] trace = new int[(inputTokens + 511) / 512];
        for (int i = 0; i < trace.length; i++) {
            trace[i] = i;
        }
        List<SimRequest> requests = new ArrayList<>();
        for (int i = 0; i < times; i++) {
            requests.add(new SimRequest(i * gapNanos, inputTokens, 10, space.blocksOf(trace, inputTokens)));
        }
        return new Workload("repeated", requests, space);
    }

    private static RunResult run(Workload w, Policy policy, int pods, EngineParams params, long seed) {
        return new VirtualRun(w, policy, "test", pods, params, 1_000, 1_000, seed).run();
    }

    @Test
    void aLoneRequestTakesOneStepOfPrefill() {
        Workload w = repeated(1, 4_000, 0);
        RunResult r = run(w, Policy.PRECISE, 1, PARAMS, 1);
        assertEquals(PARAMS.stepNanos(4_000, 0) / 1e6, r.ttftP50Millis(), 1e-6);
        assertEquals(0, r.hitTokens());
        assertEquals(10.0 / r.spanSeconds(), r.outputTokensPerSecond(), 1e-6, "ten tokens over the request's life");
    }

    @Test
    void aRepeatHitsTheCachedPrefixAndPrefillsOnlyTheRest() {
        Workload w = repeated(2, 4_000, 10_000_000_000L); // the second arrives long after the first finished
        RunResult r = run(w, Policy.PRECISE, 4, PARAMS, 1);
        int fullBlocks = 4_000 / 16; // 250 blocks: the whole prompt, so the last token is recomputed
        assertEquals(fullBlocks * 16L - 1, r.gpuHitTokens());
        assertEquals(PARAMS.stepNanos(1, 0) / 1e6, r.ttftP50Millis(), 1e-6, "the faster of the two: one token");
    }

    @Test
    void precisePrefixRoutingFindsThePodThatHoldsThePrefixWhereRoundRobinMisses() {
        Workload w = repeated(4, 4_000, 10_000_000_000L);
        assertEquals(3 * (250 * 16L - 1), run(w, Policy.PRECISE, 4, PARAMS, 1).gpuHitTokens());
        assertEquals(0, run(w, Policy.ROUND_ROBIN, 4, PARAMS, 1).gpuHitTokens(), "each repeat on another pod");
    }

    @Test
    void theClusterServesWhatTheGpuEvicted() {
        // two prompts of 250 blocks on one pod whose GPU holds 300: the second evicts the first, which the cluster
        // then holds, so the first's repeat loads it from the cluster's CPU tier
        BlockSpace space = new BlockSpace(Workloads.NAMESPACE, 512);
        int[] a = {0, 1, 2, 3, 4, 5, 6, 7};
        int[] b = {8, 9, 10, 11, 12, 13, 14, 15};
        long gap = 10_000_000_000L;
        List<SimRequest> requests = List.of(new SimRequest(0, 4_000, 10, space.blocksOf(a, 4_000)),
            new SimRequest(gap, 4_000, 10, space.blocksOf(b, 4_000)),
            new SimRequest(2 * gap, 4_000, 10, space.blocksOf(a, 4_000)));
        Workload w = new Workload("evicting", requests, space);
        EngineParams small = PARAMS.withGpuBlocks(300);
        RunResult precise = run(w, Policy.PRECISE, 1, small, 1);
        RunResult spillway = run(w, Policy.SPILLWAY, 1, small, 1);
        assertTrue(precise.gpuHitTokens() < 250 * 16, "precise: the GPU kept only part of it");
        assertTrue(spillway.cpuHitTokens() > 0, "spillway loads from the cluster: " + spillway);
        assertTrue(spillway.hitTokens() > precise.hitTokens(), spillway + " vs " + precise);
        assertTrue(spillway.ttftMeanMillis() < precise.ttftMeanMillis(), "the load is faster than the prefill");
    }

    @Test
    void everyPolicyIsRepeatableAndNoneBeatsTheOracle() {
        Workload w = Workloads.sharedPrefix(12, 5, 1_000, 200, 20, 20, 3);
        long oracle = w.oracleHitTokens();
        for (Policy policy : Policy.values()) {
            RunResult first = run(w, policy, 4, PARAMS.withGpuBlocks(2_000), 9);
            assertEquals(first, run(w, policy, 4, PARAMS.withGpuBlocks(2_000), 9), policy + " twice");
            assertTrue(first.hitTokens() <= oracle, policy + ": " + first.hitTokens() + " > oracle " + oracle);
            assertEquals(w.requests().size(), first.requests());
        }
        assertNotEquals(run(w, Policy.RANDOM, 4, PARAMS, 9), run(w, Policy.RANDOM, 4, PARAMS, 10),
            "another seed draws other pods");
    }

    @Test
    void theSharedPrefixWorkloadSharesEachGroupsContext() {
        Workload w = Workloads.sharedPrefix(150, 5, 6_000, 1_200, 1_000, 12, 1);
        assertEquals(750, w.requests().size());
        assertEquals(7_200 / 16, w.requests().get(0).blocks().length);
        // 150 contexts of 375 blocks seen once each; 4 of every 5 users hit the whole context
        assertEquals(150L * 4 * 375 * 16, w.oracleHitTokens());
        for (int i = 1; i < w.requests().size(); i++) {
            assertTrue(w.requests().get(i).arrivalNanos() >= w.requests().get(i - 1).arrivalNanos());
        }
        double seconds = w.requests().get(749).arrivalNanos() / 1e9;
        assertTrue(seconds > 749 / 12.0 * 0.8 && seconds < 749 / 12.0 * 1.2, "Poisson at 12 qps: " + seconds);
    }
}
