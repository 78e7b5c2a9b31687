package io.spillway.server.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.client.ClientContext;
import io.spillway.client.KvClient;
import io.spillway.event.aeron.FeedMedia;
import io.spillway.event.feed.FeedModel;
import io.spillway.event.feed.FeedSubscriber;
import io.spillway.event.feed.FeedSubscriberContext;
import io.spillway.event.vllm.EngineBlockHash;
import io.spillway.event.vllm.VllmEvent;
import io.spillway.event.vllm.VllmEventDecoder;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.protocol.ErrorCode;
import io.spillway.server.ServerContext;
import io.spillway.server.SpillwayServer;
import io.spillway.server.TierChain;
import io.spillway.server.events.vllm.VllmTap;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A real node with its default tiers publishes its feed; a real subscriber that joins late follows it through puts
 * that overflow the CPU tier (demotions) and the NVMe tier (evictions), and its view ends equal to what the tiers hold.
 * The same node's vLLM-format feed carries the stored keys with the tier as medium.
 */
class NodeFeedEndToEndTest {
    private static final Namespace NAMESPACE = Namespace.builder().modelId("test/feed").layers(2).kvHeads(2)
        .headDim(64).build();
    private static final int BLOCK = 32 << 10;

    @TempDir
    Path dir;

    @Test
    void aLateSubscriberEndsWithTheNodesBlockSetAndVllmSeesTheTiers() throws Exception {
        ServerContext ctx = ServerContext.builder().plaintext().bind("127.0.0.1").dataPort(0).controlPort(0).httpPort(0)
            .dataDir(dir.resolve("node")).nodeId("feed-node").cpuCapacityBytes(1 << 20).nvmeCapacityBytes(3 << 20)
            .maxBlockBytes(64 << 10).ioThreads(1).tierThreads(1).events("port", "0")
            .events("vllm.enabled", "true").events("vllm.endpoint", "tcp://127.0.0.1:*")
            .events("vllm.replayEndpoint", "tcp://127.0.0.1:*").build();
        List<BlockKey> keys = new ArrayList<>();
        try (SpillwayServer server = SpillwayServer.start(ctx);
             KvClient client = KvClient.connect(ClientContext.builder().server("127.0.0.1", server.dataPort())
                 .controlPort(server.controlPort()).build());
             ZContext zmq = new ZContext()) {
            ZMQ.Socket vllm = zmq.createSocket(SocketType.SUB);
            vllm.subscribe(new byte[0]);
            vllm.connect(((VllmTap) server.feed().tap()).publisher().publishEndpoint());
            BlockKey ns = client.registerNamespace(NAMESPACE).get(10, TimeUnit.SECONDS);

            put(client, ns, keys, 0, 40); // before the subscriber: it must learn these from the snapshot
            FeedModel model = new FeedModel();
            FeedSubscriber subscriber = new FeedSubscriber(FeedSubscriberContext.builder()
                .node(server.feed().localAddresses().get(0))
                .media(FeedMedia.Settings.defaults(dir.resolve("subscriber").toString())).build(), model,
                new SystemNanoClock());
            try {
                await(subscriber, "a live session", () -> subscriber.liveSessions() == 1);
                put(client, ns, keys, 40, 200); // overflows CPU (1 MiB) into NVMe (3 MiB), which evicts
                await(subscriber, "the subscriber's view to equal the tiers",
                    () -> model.keys("feed-node", TierKind.CPU).equals(held(server, keys, 0))
                    && model.keys("feed-node", TierKind.NVME).equals(held(server, keys, 1)));
                assertTrue(server.tiers().stages().get(1).tier().counters().evictions.sum() > 0, "NVMe evicted");
                assertTrue(!model.keys("feed-node", TierKind.NVME).isEmpty(), "demoted blocks are in NVMe");
                assertEquals(1, subscriber.snapshots());
                assertEquals(server.controlPort(), model.loads().get("feed-node").controlPort());
            } finally {
                subscriber.close();
            }

            // as a vLLM-format consumer does: live from the SUB, and everything before it joined (a PUB drops what
            // it sends before the subscription arrives) replayed from seq 0 through the replay endpoint
            ZMQ.Socket replay = zmq.createSocket(SocketType.DEALER);
            replay.connect(((VllmTap) server.feed().tap()).publisher().replayEndpoint());
            replay.sendMore(new byte[0]);
            replay.send(new byte[8]);
            // the feed coalesces a key's changes that wait to be published (a block stored in the CPU tier and demoted
            // before the publisher ran is announced in NVMe only), so what it must carry is each tier's current keys
            Set<String> expected = new HashSet<>();
            held(server, keys, 0).forEach(k -> expected.add("CPU:" + k));
            held(server, keys, 1).forEach(k -> expected.add("STORAGE:" + k));
            assertTrue(expected.stream().anyMatch(e -> e.startsWith("CPU:"))
                && expected.stream().anyMatch(e -> e.startsWith("STORAGE:")), "both tiers hold keys: " + expected.size());
            Set<String> vllmStored = new HashSet<>();
            VllmEventDecoder decoder = new VllmEventDecoder();
            ZMQ.Poller arrivals = zmq.createPoller(2);
            arrivals.register(vllm, ZMQ.Poller.POLLIN);
            arrivals.register(replay, ZMQ.Poller.POLLIN);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!vllmStored.containsAll(expected) && System.nanoTime() < deadline) {
                List<byte[]> live = frames(vllm);
                List<byte[]> replayed = frames(replay);
                if (live == null && replayed == null) {
                    // nothing waiting: block until a frame arrives on either socket (or the deadline), no fixed nap
                    arrivals.poll(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                    continue;
                }
                if (live != null) {
                    assertEquals(3, live.size(), "topic, seq, payload");
                    stored(decoder, live.get(2), vllmStored);
                }
                if (replayed != null) {
                    assertEquals(4, replayed.size(), "empty, topic, seq, payload (vLLM 0.34's replay answer)");
                    if (replayed.get(3).length > 0) { // the end marker has an empty payload
                        stored(decoder, replayed.get(3), vllmStored);
                    }
                }
            }
            arrivals.close();
            Set<String> missing = new HashSet<>(expected);
            missing.removeAll(vllmStored);
            assertTrue(missing.isEmpty(), "every key the tiers hold reached the vLLM-format feed with its tier as "
                + "medium; " + vllmStored.size() + " stored events seen, missing " + missing.size() + ", e.g. "
                + missing.stream().limit(3).toList());
        }
    }

    /** One multipart message, or null when none is waiting. */
    private static List<byte[]> frames(ZMQ.Socket socket) {
        byte[] f = socket.recv(ZMQ.DONTWAIT);
        if (f == null) {
            return null;
        }
        List<byte[]> frames = new ArrayList<>();
        frames.add(f);
        while (socket.hasReceiveMore()) {
            frames.add(socket.recv());
        }
        return frames;
    }

    /** Adds {@code medium:key} for every block a batch says was stored. */
    private static void stored(VllmEventDecoder decoder, byte[] payload, Set<String> out) throws Exception {
        for (VllmEvent e : decoder.decode(payload).events()) {
            if (e instanceof VllmEvent.BlockStored s) {
                for (EngineBlockHash h : s.blockHashes()) {
                    out.add(s.medium() + ":" + BlockKey.fromBytes(h.bytes()));
                }
            }
        }
    }

    private static void put(KvClient client, BlockKey ns, List<BlockKey> keys, int from, int to) throws Exception {
        for (int i = from; i < to; i++) {
            BlockKey k = new BlockKey(0xFEEDL, i);
            keys.add(k);
            ByteBuffer b = ByteBuffer.allocateDirect(BLOCK);
            b.putLong(0, i).clear();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (true) {
                ErrorCode status = client.put(ns, new BlockKey[] {k}, new ByteBuffer[] {b}).get(10, TimeUnit.SECONDS)
                    .statuses()[0];
                if (status == ErrorCode.OK) {
                    break;
                }
                assertEquals(ErrorCode.BACK_PRESSURE, status, "put of block " + i);
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("block " + i + " still refused (BACK_PRESSURE) after 30 s");
                }
                Thread.sleep(2); // a back-off while demotion catches up, not a wait for something to happen
            }
        }
    }

    private static Set<BlockKey> held(SpillwayServer server, List<BlockKey> keys, int stage) {
        TierChain.Stage s = server.tiers().stages().get(stage);
        Set<BlockKey> out = new HashSet<>();
        for (BlockKey k : keys) {
            if (s.tier().contains(k)) {
                out.add(k);
            }
        }
        return out;
    }

    private static void await(FeedSubscriber subscriber, String what, BooleanSupplier done)
        throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            for (int i = 0; i < 100; i++) {
                subscriber.doWork();
            }
            Thread.sleep(1);
        }
    }
}
