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
    void spillwayIsRefusedLiveUntilTheClusterTiersAreThere() {
        Workload w = Workloads.sharedPrefix(1, 1, 16, 16, 1, 1.0, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> new LiveRun(w, Policy.SPILLWAY, "x", 1, EngineParams.defaults(), 1));
        assertTrue(e.getMessage().contains("virtual time only"), e.getMessage());
    }
}
