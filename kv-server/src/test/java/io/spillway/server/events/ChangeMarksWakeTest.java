package io.spillway.server.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.tier.TierKind;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** The publisher sleeps until the next mark: a mark wakes it at once, a waiting mark keeps it from sleeping. */
class ChangeMarksWakeTest {
    @Test
    void aMarkWakesTheSleepingPublisher() throws Exception {
        ChangeMarks marks = new ChangeMarks(1 << 16);
        long[] slept = new long[1];
        Thread publisher = new Thread(() -> {
            long t0 = System.nanoTime();
            marks.sleepUntilMarked(TimeUnit.SECONDS.toNanos(30));
            slept[0] = System.nanoTime() - t0;
        }, "publisher");
        publisher.start();
        awaitParkedOn(publisher, marks);
        marks.onChange(TierKind.CPU, new BlockKey(1, 2));
        publisher.join(10_000);
        assertFalse(publisher.isAlive(), "woken by the mark, not still parked for the 30 s timeout");
        assertTrue(slept[0] < TimeUnit.SECONDS.toNanos(10), "woken by the mark, not the 30 s timeout: "
            + slept[0] / 1_000_000 + " ms");
        assertEquals(1, marks.waiting());
    }

    /** Waits until {@code thread} is parked with {@code blocker} as what it waits for (parkNanos(blocker, ...)). */
    private static void awaitParkedOn(Thread thread, Object blocker) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(thread.getState() == Thread.State.TIMED_WAITING && LockSupport.getBlocker(thread) == blocker)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(thread.getName() + " never parked on " + blocker + ": " + thread.getState());
            }
            Thread.sleep(1);
        }
    }

    @Test
    void aWaitingMarkMeansNoSleep() {
        ChangeMarks marks = new ChangeMarks(1 << 16);
        marks.onChange(TierKind.NVME, new BlockKey(3, 4));
        long t0 = System.nanoTime();
        marks.sleepUntilMarked(TimeUnit.SECONDS.toNanos(30));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
    }
}
