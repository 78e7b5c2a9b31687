package io.spillway.server.events;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.spillway.control.v1.BlockSnapshotChunk;
import io.spillway.control.v1.BlockSnapshotRequest;
import io.spillway.control.v1.FeedGrpc;
import io.spillway.key.BlockKey;
import io.spillway.tier.BlockTier;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Serves {@code Feed.BlockSnapshot} (docs/events.md): the node's block set per tier, streamed in chunks of packed
 * 16-byte keys, tagged with the feed's session and the sequence number it reflects. The sequence is read before the
 * tiers are listed, so every change the snapshot may miss is published after it. Chunks are sent as the client's
 * flow-control window allows; the keys are listed up front (16 bytes a key), so a slow client holds no tier lock.
 */
public final class SnapshotService extends FeedGrpc.FeedImplBase {
    /** Keys per chunk: 64 KiB of keys. */
    static final int KEYS_PER_CHUNK = 4096;

    private final String nodeId;
    private final Supplier<EventPublisher> publisher;
    private final List<BlockTier> tiers;

    /** {@code publisher} gives null until the feed has started; {@code tiers} are listed in order. */
    public SnapshotService(String nodeId, Supplier<EventPublisher> publisher, List<BlockTier> tiers) {
        this.nodeId = nodeId;
        this.publisher = publisher;
        this.tiers = List.copyOf(tiers);
    }

    @Override
    public void blockSnapshot(BlockSnapshotRequest request, StreamObserver<BlockSnapshotChunk> responses) {
        EventPublisher p = publisher.get();
        if (p == null) {
            responses.onError(Status.UNAVAILABLE.withDescription("node " + nodeId + " has not started its event feed")
                .asRuntimeException());
            return;
        }
        long session = p.sessionId();
        long sequence = p.lastSequence(); // before listing: see the class comment
        List<BlockSnapshotChunk> chunks;
        try {
            chunks = list(session, sequence);
        } catch (RuntimeException e) {
            responses.onError(Status.INTERNAL.withDescription("cannot list the blocks of node " + nodeId + ": " + e)
                .asRuntimeException());
            return;
        }
        new Pump(chunks, (ServerCallStreamObserver<BlockSnapshotChunk>) responses).start();
    }

    private List<BlockSnapshotChunk> list(long session, long sequence) {
        List<BlockSnapshotChunk> chunks = new ArrayList<>();
        byte[] packed = new byte[KEYS_PER_CHUNK * BlockKey.BYTES];
        java.nio.ByteBuffer out = java.nio.ByteBuffer.wrap(packed);
        for (BlockTier tier : tiers) {
            int code = tier.kind().ordinal();
            tier.forEachKey(key -> {
                key.write(out, out.position());
                out.position(out.position() + BlockKey.BYTES);
                if (!out.hasRemaining()) {
                    chunks.add(chunk(chunks.isEmpty(), session, sequence, code, packed, out.position()));
                    out.clear();
                }
            });
            if (out.position() > 0) {
                chunks.add(chunk(chunks.isEmpty(), session, sequence, code, packed, out.position()));
                out.clear();
            }
        }
        if (chunks.isEmpty()) {
            chunks.add(chunk(true, session, sequence, 0, packed, 0));
        }
        int last = chunks.size() - 1;
        chunks.set(last, chunks.get(last).toBuilder().setLast(true).build());
        return chunks;
    }

    private BlockSnapshotChunk chunk(boolean first, long session, long sequence, int tier, byte[] packed, int bytes) {
        BlockSnapshotChunk.Builder b = BlockSnapshotChunk.newBuilder().setTier(tier)
            .setKeys(ByteString.copyFrom(packed, 0, bytes));
        if (first) {
            b.setSessionId(session).setSequence(sequence).setNodeId(nodeId);
        }
        return b.build();
    }

    /** Sends the chunks while the call is ready, resuming from the call's on-ready callback. */
    private static final class Pump implements Runnable {
        private final List<BlockSnapshotChunk> chunks;
        private final ServerCallStreamObserver<BlockSnapshotChunk> call;
        private int next;
        private boolean done;

        Pump(List<BlockSnapshotChunk> chunks, ServerCallStreamObserver<BlockSnapshotChunk> call) {
            this.chunks = chunks;
            this.call = call;
        }

        void start() {
            call.setOnCancelHandler(() -> {
                synchronized (this) {
                    done = true;
                }
            });
            call.setOnReadyHandler(this);
            run();
        }

        @Override
        public synchronized void run() {
            while (!done && next < chunks.size() && call.isReady()) {
                call.onNext(chunks.get(next++));
            }
            if (!done && next == chunks.size()) {
                done = true;
                call.onCompleted();
            }
        }
    }
}
