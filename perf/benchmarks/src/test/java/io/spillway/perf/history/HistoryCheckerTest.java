package io.spillway.perf.history;

import static io.spillway.perf.history.History.FAIL;
import static io.spillway.perf.history.History.GET;
import static io.spillway.perf.history.History.INFO;
import static io.spillway.perf.history.History.MISS;
import static io.spillway.perf.history.History.NO_VALUE;
import static io.spillway.perf.history.History.OK;
import static io.spillway.perf.history.History.PUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The checker's verdicts on planted histories: one per guarantee of docs/cluster.md, and what is allowed. */
class HistoryCheckerTest {
    private static final long V1 = 0x1000_0000_0001L;
    private static final long V2 = 0x1000_0000_0002L;
    private static final long NO_FAULT = Long.MIN_VALUE;

    private final HistoryChecker checker = new HistoryChecker(10);

    @Test
    void cleanHistoryIsValid() {
        History h = new History.Builder(16)
            .add(0, PUT, OK, 1, 1, 0, 10, V1)
            .add(1, GET, OK, 1, 1, 5, 8, V1) // concurrent with the put: may see it
            .add(1, GET, OK, 1, 1, 20, 30, V1)
            .add(0, PUT, OK, 1, 1, 40, 50, V1) // a repeated put of the same bytes
            .add(0, GET, OK, 1, 1, 60, 70, V1)
            .add(0, PUT, OK, 2, 2, 0, 10, V2)
            .add(1, GET, OK, 2, 2, 20, 30, V2)
            .build();
        HistoryVerdict v = checker.check(h, NO_FAULT);
        assertTrue(v.valid(), v.examples().toString());
        assertEquals(7, v.counts().ops());
        assertEquals(2, v.counts().keys());
        assertEquals(4, v.counts().getsHit());
    }

    @Test
    void wrongBytesAreNamedWithTheGet() {
        History h = new History.Builder(8)
            .add(0, PUT, OK, 1, 1, 0, 10, V1)
            .add(1, GET, OK, 1, 1, 20, 30, V1)
            .add(1, GET, OK, 1, 1, 40, 50, 0xBADL)
            .build();
        HistoryVerdict v = checker.check(h, NO_FAULT);
        assertFalse(v.valid());
        assertEquals(1, v.violations(Violation.Kind.WRONG_BYTES));
        assertEquals(1, v.violations());
        Violation w = v.examples().get(0);
        assertEquals(Violation.Kind.WRONG_BYTES, w.kind());
        assertEquals(2, w.ops().get(0).index());
    }

    @Test
    void aValueReadBeforeAnyPutOfItWasInvokedIsWrong() {
        History h = new History.Builder(8)
            .add(1, GET, OK, 1, 1, 0, 5, V1)
            .add(0, PUT, OK, 1, 1, 10, 20, V1)
            .build();
        HistoryVerdict v = checker.check(h, NO_FAULT);
        assertEquals(1, v.violations(Violation.Kind.WRONG_BYTES));
    }

    @Test
    void aMissAfterTheFaultWindowOfAnAcknowledgedPutIsALoss() {
        History h = new History.Builder(8)
            .add(0, PUT, OK, 1, 1, 0, 10, V1)
            .add(1, GET, MISS, 1, 1, 500, 510, NO_VALUE) // in the window: counted
            .add(2, GET, MISS, 1, 1, 2000, 2010, NO_VALUE) // a final read
            .build();
        HistoryVerdict v = checker.check(h, 1000);
        assertEquals(1, v.violations(Violation.Kind.LOST_ACKNOWLEDGED));
        assertEquals(1, v.counts().missesInWindow());
        Violation lost = v.examples().get(0);
        assertEquals(List.of(2, 0), lost.ops().stream().map(History.Op::index).toList(), lost.toString());
    }

    @Test
    void aMissDuringTheWindowIsCountedNotFlagged() {
        History h = new History.Builder(8)
            .add(0, PUT, OK, 1, 1, 0, 10, V1)
            .add(1, GET, MISS, 1, 1, 500, 510, NO_VALUE)
            .add(1, GET, OK, 1, 1, 2000, 2010, V1)
            .build();
        HistoryVerdict v = checker.check(h, 1000);
        assertTrue(v.valid(), v.examples().toString());
        assertEquals(1, v.counts().missesInWindow());
    }

    @Test
    void withoutAFaultEveryMissOfAnAcknowledgedKeyIsALoss() {
        History h = new History.Builder(8)
            .add(0, PUT, OK, 1, 1, 0, 10, V1)
            .add(1, GET, MISS, 1, 1, 20, 30, NO_VALUE)
            .build();
        assertEquals(1, checker.check(h, NO_FAULT).violations(Violation.Kind.LOST_ACKNOWLEDGED));
    }

    @Test
    void indeterminatePutsAreNeverLostAndTheirValuesAreAllowed() {
        History h = new History.Builder(8)
            .add(0, PUT, INFO, 1, 1, 0, 10, V1)
            .add(1, GET, OK, 1, 1, 20, 30, V1)
            .add(0, PUT, FAIL, 2, 2, 0, 10, V2)
            .add(1, GET, MISS, 2, 2, 20, 30, NO_VALUE)
            .add(1, GET, OK, 2, 2, 40, 50, V2)
            .build();
        HistoryVerdict v = checker.check(h, NO_FAULT);
        assertTrue(v.valid(), v.examples().toString());
        assertEquals(1, v.counts().missesUnacknowledged());
    }

    @Test
    void twoGetsAfterTheAcknowledgementThatDisagreeAreAChange() {
        History h = new History.Builder(8)
            .add(0, PUT, INFO, 1, 1, 0, 10, V2) // V2 raced the acknowledged put: either may win
            .add(0, PUT, OK, 1, 1, 5, 10, V1)
            .add(1, GET, OK, 1, 1, 20, 30, V1)
            .add(1, GET, OK, 1, 1, 40, 50, V2)
            .build();
        HistoryVerdict v = checker.check(h, NO_FAULT);
        assertEquals(1, v.violations(Violation.Kind.CHANGED_VALUE), v.examples().toString());
        Violation c = v.examples().get(0);
        assertEquals(List.of(3, 2), c.ops().stream().map(History.Op::index).toList());
    }

    @Test
    void aRacingPutsValueMayWinIfEveryLaterGetAgrees() {
        History h = new History.Builder(8)
            .add(0, PUT, INFO, 1, 1, 0, 10, V2)
            .add(0, PUT, OK, 1, 1, 5, 10, V1)
            .add(1, GET, OK, 1, 1, 20, 30, V2)
            .add(1, GET, OK, 1, 1, 40, 50, V2)
            .build();
        HistoryVerdict v = checker.check(h, NO_FAULT);
        assertTrue(v.valid(), v.examples().toString());
    }

    @Test
    void aValuePutAfterTheFirstAcknowledgementNeverWins() {
        History h = new History.Builder(8)
            .add(0, PUT, OK, 1, 1, 0, 10, V1)
            .add(0, PUT, OK, 1, 1, 20, 30, V2) // acknowledged without replacing anything
            .add(1, GET, OK, 1, 1, 40, 50, V2)
            .build();
        HistoryVerdict v = checker.check(h, NO_FAULT);
        assertEquals(1, v.violations(Violation.Kind.CHANGED_VALUE), v.examples().toString());
        assertEquals(List.of(2, 0), v.examples().get(0).ops().stream().map(History.Op::index).toList());
        assertEquals(0, v.violations(Violation.Kind.WRONG_BYTES));
    }

    @Test
    void failedGetsAreCountedNotFlagged() {
        History h = new History.Builder(8)
            .add(0, PUT, OK, 1, 1, 0, 10, V1)
            .add(1, GET, INFO, 1, 1, 20, 30, NO_VALUE)
            .add(1, GET, FAIL, 1, 1, 40, 50, NO_VALUE)
            .build();
        HistoryVerdict v = checker.check(h, NO_FAULT);
        assertTrue(v.valid());
        assertEquals(2, v.counts().getsFailed());
    }

    @Test
    void examplesAreCappedButEveryViolationIsCounted() {
        History.Builder b = new History.Builder(64);
        b.add(0, PUT, OK, 1, 1, 0, 10, V1);
        for (int i = 0; i < 30; i++) {
            b.add(1, GET, OK, 1, 1, 20 + i, 21 + i, 0xBAD0L + i);
        }
        HistoryVerdict v = new HistoryChecker(3).check(b.build(), NO_FAULT);
        assertEquals(30, v.violations(Violation.Kind.WRONG_BYTES));
        assertEquals(3, v.examples().size());
    }

    @Test
    void aHistoryWithDroppedOperationsIsNeverValid() {
        HistoryLog log = new HistoryLog(0, 1);
        log.record(PUT, OK, 1, 1, 0, 10, V1);
        log.record(GET, OK, 1, 1, 20, 30, V1);
        History h = History.of(List.of(log));
        assertEquals(1, h.size());
        assertEquals(1, h.dropped());
        HistoryVerdict v = checker.check(h, NO_FAULT);
        assertEquals(0, v.violations());
        assertFalse(v.valid());
    }

    /** A million operations are checked in one sort by key; one planted wrong value among them is found. */
    @Test
    void aMillionOperationsAreCheckedAndOnePlantedViolationFound() {
        int keys = 100_000;
        HistoryLog log = new HistoryLog(0, 1_000_000);
        long t = 0;
        for (int k = 0; k < keys; k++) {
            log.record(PUT, OK, k * 7919L, k, t, t + 5, V1 + k);
            t += 3;
        }
        for (int round = 0; round < 9; round++) {
            for (int k = 0; k < keys; k++) {
                boolean planted = round == 8 && k == 4242;
                log.record(GET, OK, k * 7919L, k, t, t + 5, planted ? V2 : V1 + k);
                t += 3;
            }
        }
        History h = History.of(List.of(log));
        assertEquals(1_000_000, h.size());
        HistoryVerdict v = checker.check(h, NO_FAULT);
        assertEquals(1_000_000, v.counts().ops());
        assertEquals(keys, v.counts().keys());
        assertEquals(1, v.violations(Violation.Kind.WRONG_BYTES), v.examples().toString());
        assertEquals(1, v.violations());
        assertEquals(4242, v.examples().get(0).ops().get(0).keyLo());
    }
}
