package io.spillway.event.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.event.EventEncoder;
import io.spillway.event.EventMessage;
import io.spillway.event.EventType;
import io.spillway.event.aeron.FeedMedia;
import io.spillway.key.BlockKey;
import io.spillway.tier.TierKind;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The subscriber's session handling against a scripted node: snapshot, sequence, gaps, restarts, departures. */
class FeedSubscriberTest {
    private static final long SESSION = 0xA1L;

    @TempDir
    Path dir;

    private final CachedNanoClock clock = new CachedNanoClock();
    private final FeedModel sink = new FeedModel();
    private FeedSubscriber subscriber;
    private ScriptedNode node;

    @BeforeEach
    void start() {
        start(FeedSubscriberContext.DEFAULT_MAX_BUFFERED_BYTES);
    }

    private void start(long maxBuffered) {
        start(maxBuffered, null);
    }

    private void start(long maxBuffered, FeedMembership membership) {
        String aeron = dir.resolve("aeron").toString();
        FeedSubscriberContext.Builder b = FeedSubscriberContext.builder().channel("aeron:ipc")
            .media(FeedMedia.Settings.defaults(aeron)).snapshotRetry(Duration.ofMillis(50))
            .maxBufferedBytes(maxBuffered);
        if (membership != null) {
            b.membership(membership);
        }
        subscriber = new FeedSubscriber(b.build(), sink, clock);
        node = new ScriptedNode("node-a", aeron, SESSION);
        await("publication connected", node::connected);
    }

    @AfterEach
    void stop() {
        node.close();
        subscriber.close();
    }

    private static BlockKey key(int i) {
        return new BlockKey(0xABCDL, i);
    }

    private void await(String what, BooleanSupplier done) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!done.getAsBoolean()) {
            if (subscriber != null) {
                subscriber.doWork();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
        }
    }

    private void awaitConverged() {
        await("the model to equal the node", () -> sink.keys("node-a", TierKind.CPU).equals(node.truth.get(TierKind.CPU))
            && sink.keys("node-a", TierKind.NVME).equals(node.truth.get(TierKind.NVME))
            && subscriber.liveSessions() == 1);
        for (int i = 0; i < 50; i++) {
            subscriber.doWork(); // nothing more may change it
        }
        assertEquals(node.truth.get(TierKind.CPU), sink.keys("node-a", TierKind.CPU));
        assertEquals(node.truth.get(TierKind.NVME), sink.keys("node-a", TierKind.NVME));
    }

    @Test
    void aLateSubscriberLoadsASnapshotThenAppliesOnlyWhatFollows() {
        node.store(TierKind.CPU, false, key(1), key(2), key(3)); // published before anyone listened
        node.store(TierKind.NVME, false, key(4));
        node.heartbeat(EventType.HEARTBEAT);
        node.store(TierKind.CPU, true, key(5));
        node.move(TierKind.CPU, TierKind.NVME, key(1));
        node.remove(TierKind.CPU, key(2));
        awaitConverged();
        assertEquals(1, subscriber.snapshots());
        assertEquals(0, subscriber.gaps());
        assertEquals(node.controlPort(), sink.loads().get("node-a").controlPort(), "the heartbeat reached the sink");
    }

    /** Restarts the subscriber with {@code membership} as the map (the scripted node keeps publishing). */
    private void restartWith(FeedMembership membership) {
        node.close();
        subscriber.close();
        start(FeedSubscriberContext.DEFAULT_MAX_BUFFERED_BYTES, membership);
    }

    @Test
    void aHeartbeatFromANodeTheMapDoesNotListIsIgnoredUntilTheMapListsIt() {
        Map<String, InetSocketAddress> map = new ConcurrentHashMap<>();
        restartWith(map::get);
        node.store(TierKind.CPU, false, key(1));
        for (int i = 0; i < 5; i++) {
            node.heartbeat(EventType.HEARTBEAT);
            node.store(TierKind.CPU, true, key(10 + i));
        }
        await("five heartbeats refused", () -> subscriber.unknownNodes() >= 5);
        for (int i = 0; i < 50; i++) {
            subscriber.doWork();
        }
        assertEquals(0, node.snapshotRequests.get(), "no snapshot asked of a node outside the map");
        assertTrue(sink.keys("node-a", TierKind.CPU).isEmpty(), "none of its blocks applied");
        assertFalse(sink.loads().containsKey("node-a"), "its load figures not taken either");

        map.put("node-a", new InetSocketAddress("127.0.0.1", node.controlPort())); // the map now lists it
        node.heartbeat(EventType.HEARTBEAT);
        awaitConverged();
        assertEquals(5, subscriber.unknownNodes());
    }

    @Test
    void theSnapshotComesFromTheMapsAddressNotTheOneTheHeartbeatNames() throws Exception {
        try (ServerSocket elsewhere = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            restartWith(id -> id.equals("node-a") ? new InetSocketAddress("127.0.0.1", node.controlPort()) : null);
            node.store(TierKind.CPU, false, key(1), key(2));
            node.heartbeat(EventType.HEARTBEAT, elsewhere.getLocalPort()); // names another host:port
            node.store(TierKind.CPU, true, key(3));
            awaitConverged();
            assertEquals(1, node.snapshotRequests.get(), "the snapshot was asked of the map's address");
            elsewhere.setSoTimeout(1);
            assertThrows(SocketTimeoutException.class, elsewhere::accept, "nothing connected to the named address");
        }
    }

    @Test
    void aSequenceGapLoadsAnotherSnapshot() {
        node.heartbeat(EventType.NODE_JOINED);
        node.store(TierKind.CPU, true, key(1));
        awaitConverged();
        node.store(TierKind.CPU, false, key(2)); // lost
        node.store(TierKind.CPU, true, key(3));
        awaitConverged();
        assertEquals(1, subscriber.gaps());
        assertEquals(2, subscriber.snapshots());
        assertTrue(sink.keys("node-a", TierKind.CPU).contains(key(2)), "the lost change came with the snapshot");
    }

    @Test
    void aRestartReplacesTheSessionAndForgetsTheOldCpuTier() {
        node.heartbeat(EventType.NODE_JOINED);
        node.store(TierKind.CPU, true, key(1), key(2));
        node.store(TierKind.NVME, true, key(3));
        awaitConverged();
        node.restart(0xB2L);
        node.heartbeat(EventType.NODE_JOINED);
        node.store(TierKind.CPU, true, key(9));
        awaitConverged();
        assertEatsOldSession();
    }

    private void assertEatsOldSession() {
        assertEquals(Set.of(key(9)), sink.keys("node-a", TierKind.CPU));
        assertEquals(Set.of(key(3)), sink.keys("node-a", TierKind.NVME));
        assertTrue(subscriber.sessionsEnded() >= 1);
    }

    @Test
    void aNodeThatLeavesIsForgotten() {
        node.heartbeat(EventType.NODE_JOINED);
        node.store(TierKind.CPU, true, key(1));
        awaitConverged();
        node.leave();
        await("the node forgotten", () -> !sink.knows("node-a"));
        assertEquals(0, subscriber.liveSessions());
    }

    @Test
    void aSilentSessionIsForgottenAfterTheTimeout() {
        node.heartbeat(EventType.NODE_JOINED);
        node.store(TierKind.NVME, true, key(1));
        awaitConverged();
        clock.advance(FeedSubscriberContext.DEFAULT_SESSION_TIMEOUT.toNanos() - 1_000_000);
        subscriber.doWork();
        assertTrue(sink.knows("node-a"), "not yet");
        clock.advance(2_000_000);
        subscriber.doWork();
        assertFalse(sink.knows("node-a"));
        node.heartbeat(EventType.HEARTBEAT); // the node is heard again: the same session? it ended; a new one is needed
        for (int i = 0; i < 100; i++) {
            subscriber.doWork();
        }
        assertFalse(sink.knows("node-a"), "an ended session is not revived");
    }

    @Test
    void aClearedTierIsEmptiedAlone() {
        node.heartbeat(EventType.NODE_JOINED);
        node.store(TierKind.CPU, true, key(1));
        node.store(TierKind.NVME, true, key(2));
        awaitConverged();
        node.clear(TierKind.CPU);
        awaitConverged();
        assertEquals(Set.of(key(2)), sink.keys("node-a", TierKind.NVME));
    }

    @Test
    void aMalformedMessageSendsTheSessionToASnapshot() {
        node.heartbeat(EventType.NODE_JOINED);
        awaitConverged();
        byte[] bad = new byte[64];
        UnsafeBuffer b = new UnsafeBuffer(bad);
        new EventEncoder().wrap(b, 0, 64).header(EventType.BLOCKS, SESSION, 99, 0);
        b.putInt(EventMessage.FRAME_LENGTH_OFFSET, 64, ByteOrder.LITTLE_ENDIAN);
        b.putByte(EventMessage.HEADER_LENGTH, (byte) 77); // an unknown op
        node.raw(bad);
        node.store(TierKind.CPU, true, key(7));
        awaitConverged();
        assertEquals(1, subscriber.invalidMessages());
        assertTrue(subscriber.snapshots() >= 2);
    }

    @Test
    void aFailedSnapshotIsRetriedAndAWrongSessionsSnapshotIsNotApplied() {
        node.snapshotsFail = true;
        node.store(TierKind.CPU, false, key(1));
        node.heartbeat(EventType.NODE_JOINED);
        await("a failed attempt", () -> subscriber.snapshotFailures() >= 1);
        assertFalse(sink.knows("node-a"));
        node.snapshotsFail = false;
        clock.advance(Duration.ofMillis(60).toNanos());
        awaitConverged();
        assertEquals(1, subscriber.snapshots());
    }

    @Test
    void aSnapshotOfANewerSessionIsNotAppliedToTheOldOne() {
        node.snapshotSession = 0xC3L; // the node restarted between the heartbeat and the snapshot
        node.store(TierKind.CPU, false, key(1));
        node.heartbeat(EventType.NODE_JOINED);
        await("the mismatch seen", () -> subscriber.snapshotFailures() >= 1);
        assertFalse(sink.knows("node-a"));
        node.snapshotSession = 0;
        node.restart(0xC3L);
        node.heartbeat(EventType.NODE_JOINED);
        awaitConverged();
    }

    @Test
    void tooMuchHeldBackDuringALoadEndsInAnotherSnapshot() {
        stop();
        start(300); // a few messages at most
        node.snapshotsFail = true;
        node.heartbeat(EventType.NODE_JOINED);
        await("a failed attempt", () -> subscriber.snapshotFailures() >= 1);
        node.snapshotAsOfNow(); // the snapshot that succeeds will not show the stores that follow
        for (int i = 0; i < 20; i++) {
            node.store(TierKind.CPU, true, key(i));
        }
        for (int i = 0; i < 200; i++) {
            subscriber.doWork();
        }
        assertEquals(0, subscriber.snapshots(), "still loading: the 20 stores were held back, not applied");
        node.snapshotsFail = false;
        clock.advance(Duration.ofMillis(60).toNanos());
        // the stale snapshot loads, the held-back messages no longer follow it (the oldest were dropped when 300
        // bytes filled), so the sequence shows a gap and a second snapshot, as of now, brings the 20 stores
        await("a second snapshot", () -> subscriber.snapshots() >= 2);
        node.store(TierKind.NVME, true, key(100));
        awaitConverged();
        assertEquals(2, subscriber.snapshots());
        assertEquals(1, subscriber.gaps(), "the dropped messages showed as one gap");
        assertEquals(3, node.snapshotRequests.get(), "failed, stale, current");
    }
}
