package io.spillway.perf.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * A live run (pods on sockets, events over ZMQ, wall-clock time) against the virtual run of the same slice: the hit
 * rates agree within 20%, the bound the evaluation holds live mode to.
 */
class LiveRunTest {
    /** 20 times faster than the default pod, arrivals compressed alike: a few seconds of wall time. */
    private static final double FASTER = 20;

    @Test
    void liveHitsAgreeWithVirtualTimeWithinTwentyPercent() throws Exception {
        Workload w = Workloads.sharedPrefix(6, 4, 1_600, 320, 8, 1.0, 5).compressed(FASTER);
        EngineParams params = EngineParams.defaults().withGpuBlocks(2_048).faster(FASTER);
        for (Policy policy : new Policy[] {Policy.PRECISE, Policy.ROUND_ROBIN}) {
            RunResult virtual = new VirtualRun(w, policy, "1 qps", 2, params, 1, 1, 7).run();
            RunResult live = new LiveRun(w, policy, "1 qps", 2, params, 7).run();
            assertEquals(w.requests().size(), live.requests());
            assertTrue(virtual.hitTokens() > 0, policy + " hits something in virtual time");
            double gap = Math.abs(live.hitRate() - virtual.hitRate()) / virtual.hitRate();
            assertTrue(gap <= 0.2, policy + ": live " + live.hitRate() + " against virtual " + virtual.hitRate());
        }
    }

    @Test
    void spillwayLoadsFromARealNodeWhatThePodsEvicted() throws Exception {
        // GPU caches of 256 blocks against groups' 100-block contexts: later users find theirs in the cluster. Only
        // 4 times faster: the cluster's round trips are real, and at 20 times they weigh more than the model's costs
        Workload w = Workloads.sharedPrefix(8, 3, 1_600, 160, 4, 2.0, 9).compressed(4);
        EngineParams params = EngineParams.defaults().withGpuBlocks(256).faster(4);
        RunResult virtual = new VirtualRun(w, Policy.SPILLWAY, "2 qps", 2, params, 4_096, 8_192, 3).run();
        RunResult live = new LiveRun(w, Policy.SPILLWAY, "2 qps", 2, params, 4_096, 8_192, 3).run();
        assertTrue(virtual.cpuHitTokens() + virtual.nvmeHitTokens() > 0, "the cluster serves in virtual time");
        assertTrue(live.cpuHitTokens() + live.nvmeHitTokens() > 0, "and live, through kv-client: " + live);
        double gap = Math.abs(live.hitRate() - virtual.hitRate()) / virtual.hitRate();
        assertTrue(gap <= 0.2, "live " + live + " against virtual " + virtual);
    }

    @Test
    void spillwayLiveNeedsTheClustersSize() {
        Workload w = Workloads.sharedPrefix(1, 1, 16, 16, 1, 1.0, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new LiveRun(w, Policy.SPILLWAY, "x", 1, EngineParams.defaults(), 1));
        assertTrue(e.getMessage().contains("cluster"), e.getMessage());
    }
}
