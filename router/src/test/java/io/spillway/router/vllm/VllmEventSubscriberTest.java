package io.spillway.router.vllm;

import static io.spillway.router.vllm.VllmEventApplierTest.NS;
import static io.spillway.router.vllm.VllmEventApplierTest.stored;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.event.vllm.VllmEvent;
import io.spillway.event.vllm.VllmEventEncoder;
import io.spillway.event.vllm.VllmWire;
import io.spillway.key.BlockKey;
import io.spillway.key.BlockKeys;
import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import io.spillway.placement.index.Medium;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.agrona.concurrent.AgentRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The subscriber against real ZMQ sockets on 127.0.0.1 (ephemeral ports), standing in for a vLLM pod: an XPUB (a PUB
 * that also reports the subscription, so the test publishes only once the subscriber is connected) and a ROUTER
 * answering replay requests by hand. {@code doWork()} is driven by the test thread.
 */
class VllmEventSubscriberTest {
    private static final String POD = "10.0.0.1:8000";
    private static final String TOPIC = "kv@" + POD + "@m";

    private final BlockLocationIndex index = new BlockLocationIndex(1 << 16);
    private final AtomicLong clock = new AtomicLong();
    private ZContext context;
    private ZMQ.Socket pub;
    private ZMQ.Socket replay;
    private VllmEventSubscriber subscriber;

    @BeforeEach
    void bindThePod() {
        context = new ZContext(1);
        pub = context.createSocket(SocketType.XPUB);
        pub.setLinger(0);
        pub.setReceiveTimeOut(5_000);
        int pubPort = pub.bindToRandomPort("tcp://127.0.0.1");
        replay = context.createSocket(SocketType.ROUTER);
        replay.setLinger(0);
        int replayPort = replay.bindToRandomPort("tcp://127.0.0.1");
        subscriber = VllmEventSubscriber.builder()
            .index(index)
            .namespace("m", NS)
            .pod(VllmPodEndpoint.of("127.0.0.1", pubPort, replayPort))
            .pollTimeout(Duration.ofMillis(5))
            .replayTimeout(Duration.ofSeconds(1))
            .nanoClock(clock::get)
            .context(context)
            .build();
    }

    @AfterEach
    void close() {
        subscriber.close();
        context.close();
    }

    @Test
    void aSkippedSeqIsReplayedAndTheIndexEndsComplete() {
        connect();
        byte[] first = payload(stored(null, new long[] {1}, 1, 2));
        byte[] missed = payload(stored(1L, new long[] {2}, 3, 4));
        byte[] third = payload(stored(2L, new long[] {3}, 5, 6));
        publish(TOPIC, 0, first);
        drive(() -> subscriber.counters().batches() == 1);

        publish(TOPIC, 2, third);
        List<byte[]> request = awaitReplayRequest();

        assertEquals(3, request.size(), "[identity, empty delimiter, start seq]");
        assertEquals(0, request.get(1).length);
        assertEquals(1, VllmWire.readSeq(request.get(2)));
        byte[] identity = request.get(0);
        reply(identity, 1, missed);
        reply(identity, 2, third);
        reply(identity, VllmWire.END_OF_REPLAY, new byte[0]);
        drive(() -> subscriber.counters().duplicateBatches() == 1);

        for (BlockKey key : BlockKeys.chain(NS, new int[] {1, 2, 3, 4, 5, 6})) {
            assertTrue(holds(key), key.toHex());
        }
        VllmSubscriberCounters c = subscriber.counters();
        assertEquals(1, c.gaps());
        assertEquals(1, c.replayRequests());
        assertEquals(2, c.replayedBatches());
        assertEquals(0, c.unrecoverableGaps());
        assertEquals(0, c.unknownParents());
        assertEquals(3, c.batches());
    }

    /** vLLM 0.34's replay socket puts the topic before the seq, and an empty topic before the end marker. */
    @Test
    void aReplayInVllm034sFormFillsTheGapToo() {
        connect();
        publish(TOPIC, 0, payload(stored(null, new long[] {1}, 1, 2)));
        drive(() -> subscriber.counters().batches() == 1);

        publish(TOPIC, 2, payload(stored(2L, new long[] {3}, 5, 6)));
        byte[] identity = awaitReplayRequest().get(0);
        reply(identity, TOPIC, 1, payload(stored(1L, new long[] {2}, 3, 4)));
        reply(identity, "", VllmWire.END_OF_REPLAY, new byte[0]);
        drive(() -> subscriber.counters().batches() == 3);

        for (BlockKey key : BlockKeys.chain(NS, new int[] {1, 2, 3, 4, 5, 6})) {
            assertTrue(holds(key), key.toHex());
        }
        assertEquals(0, subscriber.counters().malformedFrames());
        assertEquals(0, subscriber.counters().unrecoverableGaps());
        assertEquals(1, subscriber.counters().replayedBatches());
    }

    @Test
    void aReplayThatNoLongerHoldsTheGapClearsThePod() {
        connect();
        publish(TOPIC, 0, payload(stored(null, new long[] {1}, 1, 2)));
        drive(() -> subscriber.counters().batches() == 1);
        BlockKey old = BlockKeys.chain(NS, new int[] {1, 2})[0];
        assertTrue(holds(old));

        publish(TOPIC, 3, payload(stored(null, new long[] {30}, 9, 10)));
        byte[] identity = awaitReplayRequest().get(0);
        // The pod's ring starts at seq 2: seq 1 is gone, so whatever it removed may still be in the index.
        reply(identity, 2, payload(stored(null, new long[] {20}, 7, 8)));
        reply(identity, VllmWire.END_OF_REPLAY, new byte[0]);
        drive(() -> subscriber.counters().batches() == 3);

        assertEquals(1, subscriber.counters().unrecoverableGaps());
        assertFalse(holds(old));
        assertTrue(holds(BlockKeys.chain(NS, new int[] {7, 8})[0]));
        assertTrue(holds(BlockKeys.chain(NS, new int[] {9, 10})[0]));
    }

    @Test
    void aReplayThatNeverEndsTimesOutAndClearsThePod() {
        connect();
        publish(TOPIC, 0, payload(stored(null, new long[] {1}, 1, 2)));
        drive(() -> subscriber.counters().batches() == 1);
        publish(TOPIC, 5, payload(stored(null, new long[] {50}, 5, 5)));
        awaitReplayRequest();

        clock.addAndGet(Duration.ofSeconds(2).toNanos());
        drive(() -> subscriber.counters().replayTimeouts() == 1);

        assertEquals(1, subscriber.counters().unrecoverableGaps());
        assertFalse(holds(BlockKeys.chain(NS, new int[] {1, 2})[0]));
        assertTrue(holds(BlockKeys.chain(NS, new int[] {5, 5})[0]));
    }

    @Test
    void garbageIsCountedAndTheLoopGoesOn() {
        connect();
        publish(TOPIC, 0, new byte[] {(byte) 0x93, 1, 2});
        pub.sendMore(TOPIC);
        pub.send(VllmWire.seqBytes(1));
        publish(TOPIC, 1, new byte[] {(byte) 0xc1});
        publish("kv@" + POD + "@not-configured", 2, payload(stored(null, new long[] {9}, 9, 9)));
        publish(TOPIC, 3, payload(stored(null, new long[] {1}, 1, 2)));
        drive(() -> subscriber.counters().blocksStored() == 1);

        VllmSubscriberCounters c = subscriber.counters();
        assertEquals(2, c.decodeErrors());
        assertEquals(1, c.malformedFrames());
        assertEquals(1, c.unknownModelEvents());
        assertEquals(0, c.gaps());
        assertTrue(holds(BlockKeys.chain(NS, new int[] {1, 2})[0]));
    }

    @Test
    void aSeqGoingBackMeansARestartedPublisher() {
        connect();
        publish(TOPIC, 7, payload(stored(null, new long[] {1}, 1, 2)));
        publish(TOPIC, 0, payload(stored(null, new long[] {2}, 3, 4)));
        drive(() -> subscriber.counters().batches() == 2);

        assertEquals(1, subscriber.counters().publisherRestarts());
        assertFalse(holds(BlockKeys.chain(NS, new int[] {1, 2})[0]));
        assertTrue(holds(BlockKeys.chain(NS, new int[] {3, 4})[0]));
    }

    @Test
    void runsOnItsOwnThread() throws Exception {
        AgentRunner runner = VllmEventSubscriber.startOnThread(subscriber, Throwable::printStackTrace);
        try {
            assertNotNull(pub.recv(), "the subscription reaches the pod");
            publish(TOPIC, 0, payload(stored(null, new long[] {1}, 1, 2)));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (subscriber.counters().blocksStored() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(1, subscriber.counters().blocksStored());
        } finally {
            runner.close();
        }
        assertTrue(runner.isClosed());
    }

    /** Connects the subscriber and waits until the pod sees its subscription. */
    /**
     * llm-d's layout: the pods' publishers connect to one address the subscriber binds. Their sequences interleave
     * there; each topic is ordered on its own, so no restart is read, and a gap clears its own pod only.
     */
    @Test
    void aListeningAddressSequencesEachPublisherOnItsOwn() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        String other = "10.0.0.2:8000";
        try (VllmEventSubscriber listening = VllmEventSubscriber.builder().index(index).namespace("m", NS)
            .listen("tcp://127.0.0.1:" + port).pollTimeout(Duration.ofMillis(5)).context(context).build()) {
            listening.doWork(); // binds
            ZMQ.Socket a = publisherTo(port, listening);
            ZMQ.Socket b = publisherTo(port, listening);
            String topicB = "kv@" + other + "@m";
            publish(a, TOPIC, 0, payload(stored(null, new long[] {1}, 1, 2)));
            publish(b, topicB, 0, payload(stored(null, new long[] {7}, 1, 2)));
            publish(a, TOPIC, 1, payload(stored(1L, new long[] {2}, 3, 4)));
            publish(b, topicB, 1, payload(stored(7L, new long[] {8}, 3, 4)));
            drive(listening, () -> listening.counters().batches() == 4);

            BlockKey[] keys = BlockKeys.chain(NS, new int[] {1, 2, 3, 4});
            assertTrue(holds(keys[1]) && holdsAt(other, keys[1]), "both pods' chains applied");
            assertEquals(0, listening.counters().publisherRestarts(), "interleaved sequences are no restart");

            publish(a, TOPIC, 3, payload(stored(null, new long[] {9}, 5, 6))); // batch 2 of pod A lost
            drive(listening, () -> listening.counters().batches() == 5);
            assertEquals(1, listening.counters().unrecoverableGaps());
            assertFalse(holds(keys[1]), "pod A's blocks before its gap are dropped");
            assertTrue(holdsAt(other, keys[1]), "pod B's are kept");
            assertTrue(holds(BlockKeys.chain(NS, new int[] {5, 6})[0]), "pod A's batch after the gap applies");
        }
    }

    /**
     * A peer that reaches a bound address and sends a frame over the limit is cut off before the frame is held: its
     * batch is never decoded or applied. Its publisher reconnects by itself and its next, smaller batch applies.
     */
    @Test
    void aFrameOverTheLimitIsNeverTakenIn() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        try (VllmEventSubscriber listening = VllmEventSubscriber.builder().index(index).namespace("m", NS)
            .listen("tcp://127.0.0.1:" + port).pollTimeout(Duration.ofMillis(5)).maxMessageBytes(4096)
            .context(context).build()) {
            listening.doWork(); // binds
            ZMQ.Socket a = publisherTo(port, listening);
            long[] many = new long[2048];
            int[] tokens = new int[2048 * 2]; // the test namespace's blocks are 2 tokens
            for (int i = 0; i < many.length; i++) {
                many[i] = 1000 + i;
            }
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = 101 + i;
            }
            byte[] big = payload(stored(null, many, tokens));
            assertTrue(big.length > 4096, "the big batch is over the limit: " + big.length);
            publish(a, TOPIC, 0, big);
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            long seq = 1;
            while (listening.counters().batches() == 0 && System.nanoTime() < deadline) {
                publish(a, TOPIC, seq++, payload(stored(null, new long[] {1}, 1, 2)));
                for (int i = 0; i < 20; i++) {
                    listening.doWork();
                }
                Thread.sleep(20);
            }
            assertTrue(listening.counters().batches() > 0, "a batch under the limit applies: "
                + listening.counters());
            assertTrue(holds(BlockKeys.chain(NS, new int[] {1, 2})[0]), "the small batch's block");
            assertFalse(holds(BlockKeys.chain(NS, new int[] {101, 102})[0]),
                "the big batch's first block was never applied");
        }
    }

    /** A pod's publisher connected to the listening subscriber, once its subscription has arrived. */
    private ZMQ.Socket publisherTo(int port, VllmEventSubscriber listening) {
        ZMQ.Socket p = context.createSocket(SocketType.XPUB);
        p.setLinger(0);
        p.setReceiveTimeOut(10);
        p.connect("tcp://127.0.0.1:" + port);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        byte[] subscription = null;
        while (subscription == null && System.nanoTime() < deadline) {
            listening.doWork(); // a bound SUB takes in a new peer (and sends it the subscription) on its own thread
            subscription = p.recv();
        }
        assertNotNull(subscription, "the listening subscriber's subscription within 5 s");
        return p;
    }

    private static void publish(ZMQ.Socket socket, String topic, long seq, byte[] payload) {
        socket.sendMore(topic.getBytes(StandardCharsets.UTF_8));
        socket.sendMore(VllmWire.seqBytes(seq));
        socket.send(payload);
    }

    private static void drive(VllmEventSubscriber s, BooleanSupplier done) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not done within 5 s: " + s.counters());
            }
            s.doWork();
        }
    }

    private boolean holdsAt(String pod, BlockKey key) {
        int location = index.locations().find(Location.pod(pod, Medium.GPU));
        return location != 0 && index.contains(key.hi(), key.lo(), location);
    }

    private void connect() {
        subscriber.doWork();
        byte[] subscription = pub.recv();
        assertNotNull(subscription, "no subscription within 5 s");
        assertArrayEquals(new byte[] {1}, subscription, "subscribe to every topic");
    }

    private void publish(String topic, long seq, byte[] payload) {
        pub.sendMore(topic.getBytes(StandardCharsets.UTF_8));
        pub.sendMore(VllmWire.seqBytes(seq));
        pub.send(payload);
    }

    private List<byte[]> awaitReplayRequest() {
        List<byte[]> frames = new ArrayList<>();
        drive(() -> {
            byte[] f = replay.recv(ZMQ.DONTWAIT);
            if (f == null) {
                return false;
            }
            frames.add(f);
            while (replay.hasReceiveMore()) {
                frames.add(replay.recv());
            }
            return true;
        });
        return frames;
    }

    private void reply(byte[] identity, long seq, byte[] payload) {
        replay.sendMore(identity);
        replay.sendMore(new byte[0]);
        replay.sendMore(VllmWire.seqBytes(seq));
        replay.send(payload);
    }

    private void reply(byte[] identity, String topic, long seq, byte[] payload) {
        replay.sendMore(identity);
        replay.sendMore(new byte[0]);
        replay.sendMore(topic.getBytes(StandardCharsets.UTF_8));
        replay.sendMore(VllmWire.seqBytes(seq));
        replay.send(payload);
    }

    private void drive(BooleanSupplier done) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not done within 5 s: " + subscriber.counters());
            }
            subscriber.doWork();
        }
    }

    private boolean holds(BlockKey key) {
        return index.contains(key.hi(), key.lo(), index.location(Location.pod(POD, Medium.GPU)));
    }

    private static byte[] payload(VllmEvent... events) {
        VllmEventEncoder encoder = new VllmEventEncoder(VllmEventEncoder.EventFormat.MAP);
        for (VllmEvent e : events) {
            encoder.add(e);
        }
        return encoder.finishBatch(1.0, 0);
    }
}
