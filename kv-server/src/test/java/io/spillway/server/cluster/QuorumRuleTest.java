package io.spillway.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The topology validator's rule on the cases docs/cluster.md ("Partitions") lists, with the time of each view given
 * (a settle time of 10 units).
 */
class QuorumRuleTest {
    private static final List<String> NONE = List.of();
    private static final long SETTLE = 10;

    private static QuorumRule stable(String... members) {
        QuorumRule r = new QuorumRule(SETTLE);
        assertTrue(r.judge(List.of(members), NONE, 0), "the first view serves and is the base");
        return r;
    }

    @Test
    void oneNodeCutOffFromThreeStopsServingAndTheOtherTwoGoOn() {
        QuorumRule isolated = stable("n1", "n2", "n3");
        QuorumRule majority = stable("n1", "n2", "n3");
        assertFalse(isolated.judge(List.of("n3"), NONE, 100), "1 of 3");
        assertTrue(majority.judge(List.of("n1", "n2"), NONE, 100), "2 of 3");
        assertFalse(isolated.judge(List.of("n3"), NONE, 200), "still 1 of 3, however long it lasts");
        assertTrue(majority.judge(List.of("n1", "n2"), NONE, 200));
        assertEquals(Set.of("n1", "n2", "n3"), isolated.base(), "a view that does not serve leaves the base as it was");
        assertEquals(Set.of("n1", "n2"), majority.base(), "a serving view that held drops the failed member");
        assertFalse(isolated.judge(List.of("n3", "n4"), NONE, 300), "a newcomer on the minority side does not help");
        assertTrue(isolated.judge(List.of("n1", "n2", "n3"), NONE, 400), "back with the majority after the heal");
        assertTrue(majority.judge(List.of("n1", "n2", "n3"), NONE, 400), "the rejoin grows the base at once");
        assertEquals(Set.of("n1", "n2", "n3"), majority.base());
    }

    @Test
    void aCutOffMemberThatSeesItsPeersFailOneAfterTheOtherDoesNotServe() {
        QuorumRule isolated = stable("n1", "n2", "n3");
        assertTrue(isolated.judge(List.of("n1", "n2"), NONE, 100), "n3 looks failed first: 2 of 3");
        assertFalse(isolated.judge(List.of("n1"), NONE, 103), "then n2, within the settle time: 1 of 3, even though "
            + "n1 is the first by name");
        QuorumRule majority = stable("n1", "n2", "n3");
        assertTrue(majority.judge(List.of("n2", "n3"), NONE, 101), "the other side serves: never both");
    }

    @Test
    void failuresOneAtATimeKeepTheMajorityButTwoAtOnceDoNot() {
        QuorumRule oneAtATime = stable("a", "b", "c", "d", "e");
        assertTrue(oneAtATime.judge(List.of("a", "b", "c", "d"), NONE, 100));
        assertTrue(oneAtATime.judge(List.of("a", "b", "c"), NONE, 200), "3 of 4 once the first failure settled");
        assertTrue(oneAtATime.judge(List.of("a", "b"), NONE, 300), "2 of 3");
        QuorumRule threeAtOnce = stable("a", "b", "c", "d", "e");
        assertFalse(threeAtOnce.judge(List.of("d", "e"), NONE, 100), "2 of 5");
        QuorumRule twoOfThree = stable("a", "b", "c");
        assertFalse(twoOfThree.judge(List.of("c"), NONE, 100), "two failures at once leave 1 of 3");
    }

    @Test
    void anEvenSplitServesOnTheSideOfTheFirstMemberByNameOnly() {
        QuorumRule left = stable("a", "b", "c", "d");
        QuorumRule right = stable("a", "b", "c", "d");
        assertTrue(left.judge(List.of("a", "b"), NONE, 100), "half, with a");
        assertFalse(right.judge(List.of("c", "d"), NONE, 100), "half, without a");
    }

    @Test
    void aTwoNodeClusterGoesOnWithItsLowerNamedNodeOnly() {
        QuorumRule lower = stable("node-a", "node-b");
        assertTrue(lower.judge(List.of("node-a"), NONE, 100), "node-b failed: node-a serves");
        QuorumRule higher = stable("node-a", "node-b");
        assertFalse(higher.judge(List.of("node-b"), NONE, 100), "node-a failed (or is cut off): node-b does not");
    }

    @Test
    void aCleanLeaveShrinksTheBaseAtOnceSoScalingDownNeverLosesTheMajority() {
        QuorumRule r = stable("a", "b", "c");
        assertTrue(r.judge(List.of("a", "b"), List.of("c"), 1));
        assertTrue(r.judge(List.of("b"), List.of("a"), 2), "a left cleanly: b alone is the whole base");
        assertEquals(Set.of("b"), r.base());
        QuorumRule failed = stable("a", "b", "c");
        assertTrue(failed.judge(List.of("a", "b"), NONE, 100));
        assertFalse(failed.judge(List.of("b"), NONE, 200), "a failed rather than left: b is half, without the first");
    }

    @Test
    void aSuspicionIsJudgedWithoutMovingTheBase() {
        QuorumRule r = stable("a", "b", "c");
        assertTrue(r.wouldServe(List.of("a", "b")));
        assertFalse(r.wouldServe(List.of("a")), "1 of 3");
        assertEquals(Set.of("a", "b", "c"), r.base(), "unchanged");
        assertTrue(r.judge(List.of("a", "b", "c"), NONE, 100), "the view Ignite reports still serves");
    }

    @Test
    void aViewThatCountsNoMemberOfTheBaseNeverServes() {
        QuorumRule r = stable("a", "b");
        assertFalse(r.judge(List.of("x", "y", "z"), NONE, 100), "strangers, however many");
        assertFalse(r.judge(List.of(), NONE, 200));
    }
}
