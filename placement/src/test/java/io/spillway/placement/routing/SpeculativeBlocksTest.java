package io.spillway.placement.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import io.spillway.placement.index.Medium;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Speculative entries: matched as the pod's GPU, gone after the answer's grace or the time to live, never taking a
 * confirmed block.
 */
class SpeculativeBlocksTest {
    private static final long SECOND = 1_000_000_000L;
    private static final List<Pod> PODS = List.of(Pod.idle("a", PodRole.BOTH), Pod.idle("b", PodRole.BOTH));

    private final BlockLocationIndex index = new BlockLocationIndex(1_000);
    private final SpeculativeBlocks speculative = new SpeculativeBlocks(index, 30 * SECOND);

    @Test
    void aRoutedPromptIsThePodsUntilItAnswersAndTheGraceEnds() {
        long[][] prompt = keys(0, 8);
        assertEquals(0, gpuRun(prompt, 0), "nothing known yet");
        SpeculativeBlocks.Ticket ticket = speculative.routed("a", prompt[0], prompt[1], 8, 0);
        assertEquals(8, gpuRun(prompt, 0), "a's, as far as the router knows");
        assertEquals(0, gpuRun(prompt, 1));
        assertEquals(8, speculative.size());

        ticket.answered(5 * SECOND);
        speculative.expire(5 * SECOND + SpeculativeBlocks.GRACE_NANOS - 1);
        assertEquals(8, gpuRun(prompt, 0), "within the grace the pod's events may still be on their way");
        speculative.expire(5 * SECOND + SpeculativeBlocks.GRACE_NANOS);
        assertEquals(0, gpuRun(prompt, 0), "after it, only the pod's own events count");
        assertEquals(0, speculative.size());
        assertEquals(0, speculative.live());
    }

    @Test
    void unansweredEntriesLeaveAfterTheirTimeToLive() {
        long[][] prompt = keys(0, 4);
        speculative.routed("a", prompt[0], prompt[1], 4, 0);
        speculative.expire(30 * SECOND - 1);
        assertEquals(4, gpuRun(prompt, 0));
        speculative.expire(30 * SECOND);
        assertEquals(0, gpuRun(prompt, 0));
    }

    @Test
    void aBlockTwoLiveDecisionsSentStaysUntilBothLeaveAndConfirmedBlocksNeverGo() {
        long[][] shared = keys(0, 4);
        long[][] longer = keys(0, 6);
        int aGpu = index.location(Location.pod("a", Medium.GPU));
        index.add(shared[0][0], shared[1][0], aGpu); // block 0 confirmed by a's own events
        SpeculativeBlocks.Ticket first = speculative.routed("a", shared[0], shared[1], 4, 0);
        SpeculativeBlocks.Ticket second = speculative.routed("a", longer[0], longer[1], 6, SECOND);
        first.answered(2 * SECOND);
        speculative.expire(10 * SECOND);
        assertEquals(6, gpuRun(longer, 0), "the second decision still holds blocks 0..5");
        second.answered(10 * SECOND);
        speculative.expire(10 * SECOND + SpeculativeBlocks.GRACE_NANOS);
        assertEquals(1, gpuRun(longer, 0), "block 0 stays: a's events confirmed it");
        assertTrue(index.contains(shared[0][0], shared[1][0], aGpu));
        assertFalse(index.contains(shared[0][1], shared[1][1], index.location(Location.routed("a"))));
    }

    @Test
    void answeringTwiceOrLateChangesNothingAndBadSettingsAreRefused() {
        long[][] prompt = keys(0, 2);
        SpeculativeBlocks.Ticket ticket = speculative.routed("b", prompt[0], prompt[1], 2, 0);
        speculative.expire(30 * SECOND);
        ticket.answered(31 * SECOND); // already gone: no effect
        ticket.answered(32 * SECOND);
        assertEquals(0, speculative.live());
        assertEquals(0, gpuRun(prompt, 1));
        assertThrows(IllegalArgumentException.class, () -> new SpeculativeBlocks(index, 0));
    }

    private int gpuRun(long[][] prompt, int pod) {
        RoutingRequest request = new RoutingRequest(prompt[0].length * 16 + 1, 16, prompt[0], prompt[1],
            prompt[0].length);
        return new PrefixMatcher(index).match(request, PODS, new PrefixMatch()).gpuBlocks(pod);
    }

    private static long[][] keys(int first, int count) {
        long[][] keys = new long[2][count];
        for (int k = 0; k < count; k++) {
            keys[0][k] = 11;
            keys[1][k] = first + k;
        }
        return keys;
    }

    @Test
    void pastTheBoundTheDecisionsDueFirstLeaveAndAreCounted() {
        SpeculativeBlocks bounded = new SpeculativeBlocks(index, 30 * SECOND, 10);
        long[][] first = keys(100, 4);
        long[][] second = keys(200, 4);
        long[][] third = keys(300, 4);
        bounded.routed("a", first[0], first[1], 4, 0);
        bounded.routed("a", second[0], second[1], 4, SECOND);
        assertEquals(8, bounded.size());
        assertEquals(0, bounded.evictions());
        bounded.routed("b", third[0], third[1], 4, 2 * SECOND);
        assertEquals(8, bounded.size(), "12 keys > 10: the decision due first left");
        assertEquals(1, bounded.evictions());
        assertEquals(0, gpuRun(first, 0), "its entries are out of the index too");
        assertEquals(4, gpuRun(second, 0));
        assertEquals(4, gpuRun(third, 1));
        assertEquals(2, bounded.live());
        assertThrows(IllegalArgumentException.class, () -> new SpeculativeBlocks(index, SECOND, 0));
    }
}
