package io.spillway.perf.feed;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.spillway.control.v1.BlockSnapshotChunk;
import io.spillway.control.v1.BlockSnapshotRequest;
import io.spillway.control.v1.FeedGrpc;
import io.spillway.event.BlockOp;
import io.spillway.event.EventEncoder;
import io.spillway.event.EventType;
import io.spillway.event.NodeLoad;
import io.spillway.tier.TierKind;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A feed publisher for the ingest benchmark: as fast as the publication takes them, messages that each store
 * {@code perGroup} new keys in the CPU tier and remove the keys stored {@code window} messages earlier, so a
 * subscriber's index holds a steady {@code window * perGroup} keys. It starts its session with NODE_JOINED, sends a
 * heartbeat every 100 ms, and serves an empty snapshot tagged with the sequence it had reached, so a real
 * {@code FeedSubscriber} follows it as it follows a node (keys stored before the snapshot never reach the index and
 * their later removals change nothing; after one window the index holds {@code window * perGroup} keys).
 */
final class SyntheticNode implements AutoCloseable {
    private static final long SESSION = 0x5F17_0000_0000_0001L;

    private final String nodeId;
    private final ExclusivePublication publication;
    private final Server server;
    private final int perGroup;
    private final int window;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong keysSent = new AtomicLong();
    private final AtomicLong backPressured = new AtomicLong();
    private volatile long sequence;
    private Thread thread;

    SyntheticNode(Aeron aeron, String channel, int streamId, String nodeId, int perGroup, int window)
        throws IOException {
        this.nodeId = nodeId;
        this.perGroup = perGroup;
        this.window = window;
        this.publication = aeron.addExclusivePublication(channel, streamId);
        this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new FeedGrpc.FeedImplBase() {
                @Override
                public void blockSnapshot(BlockSnapshotRequest r, StreamObserver<BlockSnapshotChunk> out) {
                    out.onNext(BlockSnapshotChunk.newBuilder().setSessionId(SESSION).setSequence(sequence)
                        .setNodeId(nodeId).setLast(true).build()); // keys stored before it stay out; see class
                    out.onCompleted();
                }
            }).build().start();
    }

    List<String> localAddresses() {
        return publication.localSocketAddresses();
    }

    long keysSent() {
        return keysSent.get();
    }

    long backPressured() {
        return backPressured.get();
    }

    void start() {
        thread = new Thread(this::run, "synthetic-feed");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        UnsafeBuffer buffer = new UnsafeBuffer(new byte[publication.maxPayloadLength()]);
        EventEncoder encoder = new EventEncoder();
        NodeLoad load = new NodeLoad(nodeId, "127.0.0.1", server.getPort(), 100, 0, 0, 0, 0, 0, List.of());
        long nextHeartbeat = 0;
        long message = 0;
        boolean joined = false;
        while (!stop.get()) {
            long now = System.nanoTime();
            int length;
            boolean status = !joined || now - nextHeartbeat >= 0;
            if (status) {
                length = encoder.wrap(buffer, 0, buffer.capacity())
                    .header(joined ? EventType.HEARTBEAT : EventType.NODE_JOINED, SESSION, sequence + 1,
                        System.currentTimeMillis() * 1_000_000L).status(load).finish();
                joined = true;
                nextHeartbeat = now + 100_000_000L;
            } else {
                encoder.wrap(buffer, 0, buffer.capacity())
                    .header(EventType.BLOCKS, SESSION, sequence + 1, 0)
                    .beginGroup(BlockOp.STORED, TierKind.CPU, null);
                long first = message * perGroup;
                for (int i = 0; i < perGroup; i++) {
                    encoder.key(0x1A6L, first + i);
                }
                if (message >= window) {
                    encoder.beginGroup(BlockOp.REMOVED, TierKind.CPU, null);
                    long old = (message - window) * perGroup;
                    for (int i = 0; i < perGroup; i++) {
                        encoder.key(0x1A6L, old + i);
                    }
                }
                length = encoder.finish();
            }
            long r;
            while ((r = publication.offer(buffer, 0, length)) < 0 && !stop.get()) {
                if (r == Publication.BACK_PRESSURED || r == Publication.NOT_CONNECTED || r == Publication.ADMIN_ACTION) {
                    backPressured.incrementAndGet();
                    // a node publishes at its own pace; spinning here would only take the core the subscriber
                    // shares on a small machine (the term buffer holds far more than one pause's worth)
                    LockSupport.parkNanos(50_000);
                } else {
                    throw new IllegalStateException("publication failed: " + r);
                }
            }
            if (r > 0) {
                sequence++;
                if (!status) {
                    keysSent.addAndGet(message >= window ? 2L * perGroup : perGroup);
                    message++;
                }
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        if (thread != null) {
            thread.join(5_000);
        }
        server.shutdownNow();
        publication.close();
    }
}
