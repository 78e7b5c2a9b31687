package io.spillway.server.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.spillway.event.EventType;
import io.spillway.event.NodeLoad;
import io.spillway.event.aeron.FeedMedia;
import io.spillway.key.BlockKey;
import io.spillway.tier.TierKind;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The publisher agent driven by hand over a real IPC publication, with a fake clock and fake tiers. */
class EventPublisherTest {
    @TempDir
    Path dir;

    private FeedMedia media;
    private ExclusivePublication publication;
    private Subscription subscription;
    private FeedRecorder recorder;
    private final CachedNanoClock clock = new CachedNanoClock();
    private final Map<TierKind, Set<BlockKey>> truth = new EnumMap<>(TierKind.class);
    private final HoldingView tiers = (tier, hi, lo) -> truth.get(tier).contains(new BlockKey(hi, lo));

    @BeforeEach
    void start() {
        truth.put(TierKind.CPU, ConcurrentHashMap.newKeySet());
        truth.put(TierKind.NVME, ConcurrentHashMap.newKeySet());
        media = FeedMedia.embedded(FeedMedia.Settings.defaults(dir.resolve("aeron").toString()));
    }

    @AfterEach
    void stop() {
        media.close();
    }

    private EventPublisher publisher(ChangeMarks marks, int pendingKeys, String channel) {
        publication = media.aeron().addExclusivePublication(channel, 7);
        subscription = media.aeron().addSubscription(channel, 7);
        while (!publication.isConnected() || !subscription.isConnected()) {
            Thread.onSpinWait(); // the client learns of the image a little after the driver links it
        }
        recorder = new FeedRecorder(subscription);
        int max = publication.maxPayloadLength();
        EventPublisher p = new EventPublisher(0x5E55L, marks, pendingKeys, new Outbox(List.<Publication>of(publication),
            max), max, tiers, pending -> new NodeLoad("node-1", "127.0.0.1", 7601, 100, 0, 0, 0, 0, pending,
                List.of()), null, 100, new SystemEpochNanoClock(), clock);
        p.onStart();
        return p;
    }

    private static BlockKey key(int i) {
        return new BlockKey(0xFEEDL, i);
    }

    private void change(ChangeMarks marks, TierKind tier, int i, boolean held) {
        if (held) {
            truth.get(tier).add(key(i));
        } else {
            truth.get(tier).remove(key(i));
        }
        marks.onChange(tier, key(i));
    }

    /**
     * Runs the agent and reads until neither has done anything for 100 ms: under back pressure an offer succeeds
     * only once the media driver's thread has moved the publication's limit, which it does on its own time.
     */
    private void drain(EventPublisher p) {
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < 100_000_000L) {
            if (p.doWork() + recorder.poll() > 0) {
                quietSince = System.nanoTime();
            }
        }
    }

    @Test
    void aSessionStartsWithJoinedThenPublishesWhatTheTiersHold() {
        ChangeMarks marks = new ChangeMarks(1 << 20);
        EventPublisher p = publisher(marks, 1 << 16, "aeron:ipc");
        drain(p);
        assertEquals(new FeedRecorder.Header(EventType.NODE_JOINED, 0x5E55L, 1), recorder.headers.get(0));

        for (int i = 0; i < 10; i++) {
            change(marks, TierKind.CPU, i, true);
        }
        change(marks, TierKind.CPU, 3, false);          // stored then removed before publishing: published removed
        change(marks, TierKind.NVME, 4, true);          // demoted: NVMe gained it...
        change(marks, TierKind.CPU, 4, false);          // ...and CPU lost it
        drain(p);
        assertEquals(List.of("STORED CPU x8", "REMOVED CPU x1", "MOVED CPU->NVME x1"), recorder.groups);
        assertEquals(truth, recorder.held);
        assertEquals(2, recorder.last().sequence());
        assertEquals(13, p.coalesced() + p.keysPublished(), "each of the 13 marks published or coalesced");
        assertTrue(recorder.invalid.isEmpty());
    }

    @Test
    void heartbeatsFollowTheIntervalWithConsecutiveSequences() {
        EventPublisher p = publisher(new ChangeMarks(1 << 20), 1024, "aeron:ipc");
        drain(p);
        clock.advance(99_000_000);
        drain(p);
        assertEquals(1, recorder.headers.size(), "no heartbeat before the interval");
        clock.advance(1_000_000);
        drain(p);
        clock.advance(100_000_000);
        drain(p);
        assertEquals(List.of(EventType.NODE_JOINED, EventType.HEARTBEAT, EventType.HEARTBEAT),
            recorder.headers.stream().map(FeedRecorder.Header::type).toList());
        assertEquals(List.of(1L, 2L, 3L), recorder.headers.stream().map(FeedRecorder.Header::sequence).toList());
    }

    @Test
    void marksLostToAFullRingBecomeAGap() {
        ChangeMarks marks = new ChangeMarks(64 << 10); // 2730 marks of 24 bytes
        EventPublisher p = publisher(marks, 1024, "aeron:ipc");
        drain(p);
        for (int i = 0; i < 5_000; i++) {
            change(marks, TierKind.CPU, i, true);
        }
        assertTrue(marks.droppedTotal() > 0);
        drain(p);
        long skipped = 0;
        for (int i = 1; i < recorder.headers.size(); i++) {
            skipped += recorder.headers.get(i).sequence() - recorder.headers.get(i - 1).sequence() - 1;
        }
        assertEquals(1, p.gaps());
        assertEquals(1, skipped, "exactly one sequence number skipped for the lost marks");
        assertTrue(p.lastSequence() >= recorder.last().sequence());
    }

    @Test
    void backPressureCoalescesAndNothingIsLost() {
        ChangeMarks marks = new ChangeMarks(1 << 20);
        EventPublisher p = publisher(marks, 1 << 16, "aeron:ipc?term-length=64k");
        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < 400; i++) {
                change(marks, round % 2 == 0 ? TierKind.CPU : TierKind.NVME, i, (i + round) % 3 != 0);
            }
            for (int w = 0; w < 20; w++) {
                p.doWork(); // nobody reads: the 32 KiB window fills
            }
        }
        assertTrue(p.backPressured() > 0, "the publication pushed back");
        assertTrue(p.coalesced() > 0, "changes merged while waiting");
        drain(p);
        drain(p);
        assertEquals(0, p.pendingKeys());
        assertEquals(truth, recorder.held);
        assertEquals(0, p.gaps());
        List<Long> seqs = recorder.headers.stream().map(FeedRecorder.Header::sequence).toList();
        for (int i = 1; i < seqs.size(); i++) {
            assertEquals(seqs.get(i - 1) + 1, seqs.get(i), "consecutive sequences");
        }
    }

    @Test
    void keysChangedAndHeldInBothTiersTakeTwoEntriesAndStillFitTheirMessages() {
        ChangeMarks marks = new ChangeMarks(1 << 20);
        EventPublisher p = publisher(marks, 1 << 16, "aeron:ipc");
        drain(p);
        for (int i = 0; i < 500; i++) { // a promotion: the NVMe tier keeps its copy, the CPU tier gains one
            change(marks, TierKind.NVME, i, true);
            change(marks, TierKind.CPU, i, true);
        }
        drain(p);
        assertEquals(truth, recorder.held);
        assertTrue(recorder.invalid.isEmpty());
        assertEquals(500, p.keysPublished());
    }

    @Test
    void leavingPublishesClearedThenNodeLeft() {
        EventPublisher p = publisher(new ChangeMarks(1 << 20), 1024, "aeron:ipc");
        drain(p);
        p.leave("node-1", 1_000);
        drain(p);
        Set<EventType> tail = new HashSet<>(recorder.headers.stream().skip(1).map(FeedRecorder.Header::type).toList());
        assertEquals(Set.of(EventType.CLEARED, EventType.NODE_LEFT), tail);
        assertEquals(EventType.NODE_LEFT, recorder.last().type());
    }
}
