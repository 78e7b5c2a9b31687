package io.spillway.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The topology validator's rule, on the cases docs/cluster.md ("Partitions") lists. */
class QuorumRuleTest {
    private static final List<String> NONE = List.of();

    private static QuorumRule stable(String... members) {
        QuorumRule r = new QuorumRule();
        assertTrue(r.judge(List.of(members), NONE), "the first view serves and is the base");
        return r;
    }

    @Test
    void oneNodeCutOffFromThreeStopsServingAndTheOtherTwoGoOn() {
        QuorumRule isolated = stable("n1", "n2", "n3");
        QuorumRule majority = stable("n1", "n2", "n3");
        assertFalse(isolated.judge(List.of("n3"), NONE), "1 of 3");
        assertTrue(majority.judge(List.of("n1", "n2"), NONE), "2 of 3");
        assertEquals(Set.of("n1", "n2", "n3"), isolated.base(), "a view that does not serve leaves the base as it was");
        assertEquals(Set.of("n1", "n2"), majority.base(), "a serving view is the new base");
        assertFalse(isolated.judge(List.of("n3", "n4"), NONE), "a newcomer on the minority side does not make it one");
        assertTrue(isolated.judge(List.of("n1", "n2", "n3"), NONE), "back with the majority after the heal");
        assertTrue(majority.judge(List.of("n1", "n2", "n3"), NONE), "the rejoin grows the base");
        assertEquals(Set.of("n1", "n2", "n3"), majority.base());
    }

    @Test
    void failuresOneAtATimeKeepTheMajorityButTwoAtOnceDoNot() {
        QuorumRule fiveThenOne = stable("a", "b", "c", "d", "e");
        assertTrue(fiveThenOne.judge(List.of("a", "b", "c", "d"), NONE));
        assertTrue(fiveThenOne.judge(List.of("a", "b", "c"), NONE), "3 of 4");
        assertTrue(fiveThenOne.judge(List.of("a", "b"), NONE), "2 of 3");
        QuorumRule threeAtOnce = stable("a", "b", "c", "d", "e");
        assertFalse(threeAtOnce.judge(List.of("d", "e"), NONE), "2 of 5");
        QuorumRule twoOfThree = stable("a", "b", "c");
        assertFalse(twoOfThree.judge(List.of("c"), NONE), "two failures at once leave 1 of 3");
    }

    @Test
    void anEvenSplitServesOnTheSideOfTheFirstMemberByNameOnly() {
        QuorumRule left = stable("a", "b", "c", "d");
        QuorumRule right = stable("a", "b", "c", "d");
        assertTrue(left.judge(List.of("a", "b"), NONE), "half, with a");
        assertFalse(right.judge(List.of("c", "d"), NONE), "half, without a");
    }

    @Test
    void aTwoNodeClusterGoesOnWithItsLowerNamedNodeOnly() {
        QuorumRule lower = stable("node-a", "node-b");
        assertTrue(lower.judge(List.of("node-a"), NONE), "node-b failed: node-a serves");
        QuorumRule higher = stable("node-a", "node-b");
        assertFalse(higher.judge(List.of("node-b"), NONE), "node-a failed (or is cut off): node-b does not");
    }

    @Test
    void aCleanLeaveShrinksTheBaseSoScalingDownNeverLosesTheMajority() {
        QuorumRule r = stable("a", "b", "c");
        assertTrue(r.judge(List.of("a", "b"), List.of("c")));
        assertTrue(r.judge(List.of("b"), List.of("a")), "a left cleanly: b alone is the whole base");
        assertEquals(Set.of("b"), r.base());
        QuorumRule failed = stable("a", "b", "c");
        assertTrue(failed.judge(List.of("a", "b"), NONE));
        assertFalse(failed.judge(List.of("b"), NONE), "a failed rather than left: b is half, without the first");
    }

    @Test
    void aViewThatCountsNoMemberOfTheBaseNeverServes() {
        QuorumRule r = stable("a", "b");
        assertFalse(r.judge(List.of("x", "y", "z"), NONE), "strangers, however many");
        assertFalse(r.judge(List.of(), NONE));
    }
}
