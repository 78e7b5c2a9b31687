package io.spillway.perf.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.routing.Pod;
import io.spillway.placement.routing.TransferCostModel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What each router believes: the approximate one what it sent, the precise one what the pods' events say. */
class SimRouterTest {
    private static final TransferCostModel COSTS = TransferCostModel.defaults();

    private static List<SimPod> pods(int n) {
        EventQueue clock = new EventQueue();
        SimPod.Listener quiet = new SimPod.Listener() {
            @Override
            public void firstToken(SimPod.Seq seq, long now) {
            }

            @Override
            public void finished(SimPod.Seq seq, long now) {
            }
        };
        List<SimPod> pods = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            pods.add(new SimPod(p, EngineParams.defaults(), null, BlockEvents.NONE, clock, quiet));
        }
        return pods;
    }

    private static List<Pod> views(List<SimPod> pods) {
        return pods.stream().map(SimPod::view).toList();
    }

    private static SimRequest request(BlockSpace space, int... trace) {
        return new SimRequest(0, trace.length * 512, 10, space.blocksOf(trace, trace.length * 512));
    }

    @Test
    void theApproximateRouterSendsAPrefixWhereItSentItBeforeTheEngineHasCachedIt() {
        BlockSpace space = new BlockSpace(Workloads.NAMESPACE, 512);
        List<SimPod> pods = pods(4);
        SimRouter approximate = SimRouter.of(Policy.APPROXIMATE, space, null, 4, COSTS, 1);
        SimRequest first = request(space, 0, 1, 2, 3);
        int pod = approximate.route(first, views(pods));
        pods.get(pod).submit(new SimPod.Seq(first, 0), 0); // queued there, nothing cached yet
        assertEquals(pod, approximate.route(request(space, 0, 1, 2, 3), views(pods)), "the same prefix, the same pod");

        BlockLocationIndex index = new BlockLocationIndex(1_000);
        SimRouter precise = SimRouter.of(Policy.PRECISE, space, index, 4, COSTS, 1);
        assertNotEquals(pod, precise.route(request(space, 0, 1, 2, 3), views(pods)),
            "precise sees no hit, only the load");
    }
}
