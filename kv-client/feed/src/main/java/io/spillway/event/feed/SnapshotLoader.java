package io.spillway.event.feed;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.spillway.control.v1.BlockSnapshotChunk;
import io.spillway.control.v1.BlockSnapshotRequest;
import io.spillway.control.v1.FeedGrpc;
import io.spillway.tier.TierKind;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Loads one node's snapshot ({@code Feed.BlockSnapshot}) into the sink on a loader thread: checks that it belongs to
 * the session asked for, resets the node in the sink, stores every chunk's keys, and reports the sequence the
 * snapshot reflects. A snapshot of another session (the node restarted meanwhile) is not applied.
 */
final class SnapshotLoader implements AutoCloseable {
    /** How a load ended, handed back to the subscriber's agent thread. */
    record Result(long sessionId, boolean ok, long sequence, long keys, long foundSession, String error) {
    }

    private final FeedSink sink;
    private final Duration timeout;
    private final ExecutorService executor;
    private final ChannelCredentials credentials;

    SnapshotLoader(FeedSink sink, int threads, Duration timeout, ChannelCredentials credentials) {
        this.sink = sink;
        this.timeout = timeout;
        this.credentials = credentials;
        this.executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
            r -> {
                Thread t = new Thread(r, "spillway-feed-snapshot");
                t.setDaemon(true);
                return t;
            });
        // gRPC's client takes a second or so to load and link its classes the first time: do it now, while the
        // subscriptions connect and wait for the nodes' first heartbeats, not when the first snapshot is due
        executor.execute(() -> ManagedChannelBuilder.forAddress("127.0.0.1", 1).usePlaintext().build().shutdownNow());
    }

    void load(long sessionId, String nodeId, String host, int port, Consumer<Result> done) {
        executor.execute(() -> done.accept(fetch(sessionId, nodeId, host, port)));
    }

    private Result fetch(long sessionId, String nodeId, String host, int port) {
        ManagedChannel channel = Grpc.newChannelBuilderForAddress(host, port, credentials).build();
        try {
            Iterator<BlockSnapshotChunk> chunks = FeedGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .blockSnapshot(BlockSnapshotRequest.getDefaultInstance());
            if (!chunks.hasNext()) {
                return new Result(sessionId, false, 0, 0, 0, "empty snapshot stream from " + host + ":" + port);
            }
            BlockSnapshotChunk first = chunks.next();
            if (first.getSessionId() != sessionId || !first.getNodeId().equals(nodeId)) {
                return new Result(sessionId, false, 0, 0, first.getSessionId(), "snapshot of " + first.getNodeId()
                    + " session " + Long.toHexString(first.getSessionId()) + ", not of " + nodeId + " session "
                    + Long.toHexString(sessionId));
            }
            sink.reset(nodeId);
            UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
            byte[] bytes = new byte[0];
            long keys = 0;
            BlockSnapshotChunk chunk = first;
            while (true) {
                int length = chunk.getKeys().size();
                if (length % 16 != 0 || chunk.getTier() >= TierKind.values().length) {
                    return new Result(sessionId, false, 0, keys, sessionId, "malformed snapshot chunk from " + nodeId
                        + ": tier " + chunk.getTier() + ", " + length + " key bytes");
                }
                if (length > 0) {
                    if (bytes.length < length) {
                        bytes = new byte[length];
                        view.wrap(bytes);
                    }
                    chunk.getKeys().copyTo(bytes, 0);
                    sink.stored(nodeId, TierKind.values()[chunk.getTier()], view, 0, length / 16);
                    keys += length / 16;
                }
                if (chunk.getLast() || !chunks.hasNext()) {
                    break;
                }
                chunk = chunks.next();
            }
            if (!chunk.getLast()) {
                return new Result(sessionId, false, 0, keys, sessionId, "snapshot of " + nodeId + " ended early");
            }
            return new Result(sessionId, true, first.getSequence(), keys, sessionId, null);
        } catch (StatusRuntimeException e) {
            return new Result(sessionId, false, 0, 0, 0, "snapshot of " + nodeId + " from " + host + ":" + port
                + " failed: " + e.getStatus());
        } catch (RuntimeException e) {
            return new Result(sessionId, false, 0, 0, 0, "snapshot of " + nodeId + " failed: " + e);
        } finally {
            channel.shutdownNow();
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
