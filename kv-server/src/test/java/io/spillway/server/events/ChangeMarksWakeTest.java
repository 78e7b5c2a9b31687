package io.spillway.server.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.key.BlockKey;
import io.spillway.tier.TierKind;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The publisher sleeps until the next mark: a mark wakes it at once, a waiting mark keeps it from sleeping. */
class ChangeMarksWakeTest {
    @Test
    void aMarkWakesTheSleepingPublisher() throws Exception {
        ChangeMarks marks = new ChangeMarks(1 << 16);
        CountDownLatch asleep = new CountDownLatch(1);
        long[] slept = new long[1];
        Thread publisher = new Thread(() -> {
            asleep.countDown();
            long t0 = System.nanoTime();
            marks.sleepUntilMarked(TimeUnit.SECONDS.toNanos(30));
            slept[0] = System.nanoTime() - t0;
        });
        publisher.start();
        asleep.await();
        Thread.sleep(100); // let it park
        marks.onChange(TierKind.CPU, new BlockKey(1, 2));
        publisher.join(10_000);
        assertTrue(slept[0] < TimeUnit.SECONDS.toNanos(10), "woken by the mark, not the 30 s timeout: "
            + slept[0] / 1_000_000 + " ms");
        assertEquals(1, marks.waiting());
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
