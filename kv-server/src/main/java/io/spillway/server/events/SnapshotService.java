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
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Serves {@code Feed.BlockSnapshot} (docs/events.md): the node's block set per tier, streamed in chunks of packed
 * 16-byte keys, tagged with the feed's session and the sequence number it reflects. The sequence is read before the
 * tiers are listed, so every change the snapshot may miss is published after it. The listing is a copy of each tier's
 * key references (quick, and no tier lock is held afterwards); the chunks are written from it one at a time as the
 * client's flow-control window allows, so writing a chunk overlaps sending and applying the one before.
 */
public final class SnapshotService extends FeedGrpc.FeedImplBase {
    /**
     * Keys per chunk: 1 MiB of keys, a quarter of gRPC's default inbound message limit. Large chunks keep a
     * million-key snapshot to a few dozen messages, each a round of gRPC flow control and a batch for the index.
     */
    static final int KEYS_PER_CHUNK = 65_536;

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
        List<List<BlockKey>> listed = new ArrayList<>(tiers.size());
        try {
            for (BlockTier tier : tiers) {
                listed.add(tier.keys());
            }
        } catch (RuntimeException e) {
            responses.onError(Status.INTERNAL.withDescription("cannot list the blocks of node " + nodeId + ": " + e)
                .asRuntimeException());
            return;
        }
        new Pump(new Chunks(nodeId, session, sequence, tiers, listed),
            (ServerCallStreamObserver<BlockSnapshotChunk>) responses).start();
    }

    /** Writes the listed keys into chunks, in tier order, one chunk per call. */
    static final class Chunks {
        private final String nodeId;
        private final long session;
        private final long sequence;
        private final List<BlockTier> tiers;
        private final List<List<BlockKey>> listed;
        private final byte[] packed = new byte[KEYS_PER_CHUNK * BlockKey.BYTES];
        private final ByteBuffer out = ByteBuffer.wrap(packed);
        private int tier;
        private int next;
        private boolean first = true;
        private boolean last;

        Chunks(String nodeId, long session, long sequence, List<BlockTier> tiers, List<List<BlockKey>> listed) {
            this.nodeId = nodeId;
            this.session = session;
            this.sequence = sequence;
            this.tiers = tiers;
            this.listed = listed;
        }

        boolean hasNext() {
            return !last;
        }

        /** The next chunk: up to {@link #KEYS_PER_CHUNK} keys of one tier; the last one says so. */
        BlockSnapshotChunk next() {
            while (tier < listed.size() && next == listed.get(tier).size()) {
                tier++;
                next = 0;
            }
            int code = tier < tiers.size() ? tiers.get(tier).kind().ordinal() : 0;
            out.clear();
            if (tier < listed.size()) {
                List<BlockKey> keys = listed.get(tier);
                int end = Math.min(keys.size(), next + KEYS_PER_CHUNK);
                for (; next < end; next++) {
                    keys.get(next).write(out, out.position());
                    out.position(out.position() + BlockKey.BYTES);
                }
            }
            int t = tier;
            int n = next;
            while (t < listed.size() && n == listed.get(t).size()) {
                t++;
                n = 0;
            }
            last = t == listed.size();
            BlockSnapshotChunk.Builder b = BlockSnapshotChunk.newBuilder().setTier(code)
                .setKeys(ByteString.copyFrom(packed, 0, out.position())).setLast(last);
            if (first) {
                b.setSessionId(session).setSequence(sequence).setNodeId(nodeId);
                first = false;
            }
            return b.build();
        }
    }

    /** Sends chunks while the call is ready, resuming from the call's on-ready callback. */
    private static final class Pump implements Runnable {
        private final Chunks chunks;
        private final ServerCallStreamObserver<BlockSnapshotChunk> call;
        private boolean done;

        Pump(Chunks chunks, ServerCallStreamObserver<BlockSnapshotChunk> call) {
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
            while (!done && chunks.hasNext() && call.isReady()) {
                call.onNext(chunks.next());
            }
            if (!done && !chunks.hasNext()) {
                done = true;
                call.onCompleted();
            }
        }
    }
}
