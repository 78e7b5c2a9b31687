package io.spillway.event.feed;

import com.google.protobuf.ByteString;
import io.aeron.ExclusivePublication;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.spillway.control.v1.BlockSnapshotChunk;
import io.spillway.control.v1.BlockSnapshotRequest;
import io.spillway.control.v1.FeedGrpc;
import io.spillway.event.BlockOp;
import io.spillway.event.EventEncoder;
import io.spillway.event.EventType;
import io.spillway.event.NodeLoad;
import io.spillway.event.aeron.FeedMedia;
import io.spillway.key.BlockKey;
import io.spillway.tier.TierKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A stand-in node for subscriber tests: publishes hand-built feed messages on an IPC publication and serves its
 * {@code Feed.BlockSnapshot} from the block set it tracks, with whatever session and sequence the test says.
 */
final class ScriptedNode implements AutoCloseable {
    final String nodeId;
    final Map<TierKind, Set<BlockKey>> truth = new EnumMap<>(TierKind.class);
    final AtomicInteger snapshotRequests = new AtomicInteger();
    volatile long session;
    volatile long sequence;
    /** When set, snapshots fail with UNAVAILABLE. */
    volatile boolean snapshotsFail;
    /** When set, snapshots claim this session instead of {@link #session}. */
    volatile long snapshotSession;
    /** The block set and sequence the next successful snapshot serves instead of the current ones; null: current. */
    private Map<TierKind, Set<BlockKey>> staleTruth;
    private long staleSequence;
    private final FeedMedia media;
    private final ExclusivePublication publication;
    private final Server server;
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[4096]);
    private final EventEncoder encoder = new EventEncoder();

    ScriptedNode(String nodeId, String aeronDir, long session) {
        this.nodeId = nodeId;
        this.session = session;
        for (TierKind t : TierKind.values()) {
            truth.put(t, new LinkedHashSet<>());
        }
        media = FeedMedia.external(aeronDir);
        publication = media.aeron().addExclusivePublication("aeron:ipc", FeedSubscriberContext.DEFAULT_STREAM_ID);
        try {
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(new FeedGrpc.FeedImplBase() {
                    @Override
                    public void blockSnapshot(BlockSnapshotRequest r, StreamObserver<BlockSnapshotChunk> out) {
                        snapshot(out);
                    }
                }).build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private synchronized void snapshot(StreamObserver<BlockSnapshotChunk> out) {
        snapshotRequests.incrementAndGet();
        if (snapshotsFail) {
            out.onError(Status.UNAVAILABLE.withDescription("scripted failure").asRuntimeException());
            return;
        }
        Map<TierKind, Set<BlockKey>> served = staleTruth != null ? staleTruth : truth;
        long servedSequence = staleTruth != null ? staleSequence : sequence;
        staleTruth = null;
        List<BlockSnapshotChunk> chunks = new ArrayList<>();
        for (TierKind t : TierKind.values()) {
            List<BlockKey> keys = new ArrayList<>(served.get(t));
            for (int from = 0; from < keys.size(); from += 3) { // small chunks: several per tier
                ByteBuffer b = ByteBuffer.allocate(16 * Math.min(3, keys.size() - from));
                for (int i = from; i < Math.min(from + 3, keys.size()); i++) {
                    keys.get(i).write(b, (i - from) * 16);
                }
                chunks.add(BlockSnapshotChunk.newBuilder().setTier(t.ordinal()).setKeys(ByteString.copyFrom(b.array()))
                    .build());
            }
        }
        if (chunks.isEmpty()) {
            chunks.add(BlockSnapshotChunk.newBuilder().build());
        }
        chunks.set(0, chunks.get(0).toBuilder().setSessionId(snapshotSession != 0 ? snapshotSession : session)
            .setSequence(servedSequence).setNodeId(nodeId).build());
        int last = chunks.size() - 1;
        chunks.set(last, chunks.get(last).toBuilder().setLast(true).build());
        chunks.forEach(out::onNext);
        out.onCompleted();
    }

    /**
     * Makes the next successful snapshot show the node as it is now, however much changes before it is served: a
     * snapshot taken at once whose answer is slow, so the changes published meanwhile must be held back to follow it.
     */
    synchronized void snapshotAsOfNow() {
        staleTruth = new EnumMap<>(TierKind.class);
        truth.forEach((t, keys) -> staleTruth.put(t, new LinkedHashSet<>(keys)));
        staleSequence = sequence;
    }

    int controlPort() {
        return server.getPort();
    }

    /** Publishes a heartbeat (or join) with the next sequence. */
    synchronized void heartbeat(EventType type) {
        heartbeat(type, controlPort());
    }

    /** A heartbeat that names {@code port} as the node's control port (a forged or misconfigured one). */
    synchronized void heartbeat(EventType type, int port) {
        NodeLoad load = new NodeLoad(nodeId, "127.0.0.1", port, 100, 5, 0, 0, 0, 0, List.of());
        send(encoder.wrap(buffer, 0, buffer.capacity()).header(type, session, ++sequence, 0).status(load).finish());
    }

    /** Changes the truth and publishes it with the next sequence; {@code publish=false} makes a silent gap. */
    synchronized void store(TierKind tier, boolean publish, BlockKey... keys) {
        encoder.wrap(buffer, 0, buffer.capacity()).header(EventType.BLOCKS, session, ++sequence, 0)
            .beginGroup(BlockOp.STORED, tier, null);
        for (BlockKey k : keys) {
            truth.get(tier).add(k);
            encoder.key(k.hi(), k.lo());
        }
        int length = encoder.finish();
        if (publish) {
            send(length);
        }
    }

    synchronized void remove(TierKind tier, BlockKey... keys) {
        encoder.wrap(buffer, 0, buffer.capacity()).header(EventType.BLOCKS, session, ++sequence, 0)
            .beginGroup(BlockOp.REMOVED, tier, null);
        for (BlockKey k : keys) {
            truth.get(tier).remove(k);
            encoder.key(k.hi(), k.lo());
        }
        send(encoder.finish());
    }

    synchronized void move(TierKind from, TierKind to, BlockKey... keys) {
        encoder.wrap(buffer, 0, buffer.capacity()).header(EventType.BLOCKS, session, ++sequence, 0)
            .beginGroup(BlockOp.MOVED, from, to);
        for (BlockKey k : keys) {
            truth.get(from).remove(k);
            truth.get(to).add(k);
            encoder.key(k.hi(), k.lo());
        }
        send(encoder.finish());
    }

    synchronized void leave() {
        send(encoder.wrap(buffer, 0, buffer.capacity()).header(EventType.NODE_LEFT, session, ++sequence, 0)
            .nodeLeft(nodeId).finish());
    }

    synchronized void clear(TierKind tier) {
        truth.get(tier).clear();
        send(encoder.wrap(buffer, 0, buffer.capacity()).header(EventType.CLEARED, session, ++sequence, 0)
            .cleared(tier).finish());
    }

    /** A restart: a new session from sequence 0, the CPU tier empty. */
    synchronized void restart(long newSession) {
        session = newSession;
        sequence = 0;
        truth.get(TierKind.CPU).clear();
    }

    /** Sends raw bytes as a message (for malformed input). */
    synchronized void raw(byte[] bytes) {
        UnsafeBuffer b = new UnsafeBuffer(bytes);
        while (publication.offer(b, 0, bytes.length) < 0) {
            Thread.onSpinWait();
        }
    }

    private void send(int length) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        long r;
        while ((r = publication.offer(buffer, 0, length)) < 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("offer failed: " + r);
            }
            Thread.onSpinWait();
        }
    }

    boolean connected() {
        return publication.isConnected();
    }

    @Override
    public void close() {
        server.shutdownNow();
        publication.close();
        media.close();
    }
}
