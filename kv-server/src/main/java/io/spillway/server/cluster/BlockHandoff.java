package io.spillway.server.cluster;

import io.spillway.client.ClientContext;
import io.spillway.identity.TlsFiles;
import io.spillway.client.KvClient;
import io.spillway.client.PutResult;
import io.spillway.cluster.NodeInfo;
import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.BlockHandle;
import io.spillway.tier.cpu.ResidentBlock;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Pushes this node's CPU-tier blocks to the nodes a {@link HandoffPlan} names, over the ordinary data plane
 * (PUT_BATCH through kv-client), hottest blocks first, in batches per target and namespace. A receiver that does not
 * own the key yet (its map still lags: {@code NOT_OWNER}), is behind ({@code BACK_PRESSURE}) or unreachable is
 * retried with a short back-off until the deadline; blocks are immutable per key, so a repeated put is harmless.
 * One hand-off runs at a time; the caller decides on which thread.
 */
public final class BlockHandoff implements AutoCloseable {
    private static final Logger LOG = System.getLogger(BlockHandoff.class.getName());
    private static final long RETRY_PAUSE_MILLIS = 100;

    private final Supplier<List<ResidentBlock>> residents;
    private final int batchBlocks;
    private final long batchBytes;
    private final Duration requestTimeout;
    private TlsFiles peerTls;
    private final Map<String, KvClient> peers = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param residents  the blocks to consider, hottest first (the CPU tier's {@code residents()})
     * @param batchBlocks most blocks per PUT_BATCH
     * @param batchBytes  most bytes per PUT_BATCH
     */
    public BlockHandoff(Supplier<List<ResidentBlock>> residents, int batchBlocks, long batchBytes,
                        Duration requestTimeout) {
        if (batchBlocks < 1 || batchBytes < 1) {
            throw new IllegalArgumentException("batch limits must be >= 1, got " + batchBlocks + " blocks, "
                + batchBytes + " bytes");
        }
        this.residents = residents;
        this.batchBlocks = batchBlocks;
        this.batchBytes = batchBytes;
        this.requestTimeout = requestTimeout;
    }

    /**
     * Talks to peers over mutual TLS with these files (the node's own certificate, whose URI must carry the
     * {@code node} role, docs/security.md); null: plaintext.
     */
    public BlockHandoff peerTls(TlsFiles files) {
        this.peerTls = files;
        return this;
    }

    /** Runs {@code plan} over the current residents until done, {@code deadlineNanos} or {@code cancelled}. */
    public HandoffReport run(HandoffPlan plan, long deadlineNanos, BooleanSupplier cancelled) {
        long start = System.nanoTime();
        Map<Batch, List<ResidentBlock>> pending = new LinkedHashMap<>();
        Set<String> targets = new HashSet<>();
        Tally tally = new Tally();
        for (ResidentBlock block : residents.get()) {
            if (cancelled.getAsBoolean() || closed) {
                return tally.report(targets, start, true);
            }
            for (NodeInfo target : plan.targets(block.namespace(), block.key())) {
                targets.add(target.id());
                Batch batch = new Batch(target, block.namespace());
                List<ResidentBlock> list = pending.computeIfAbsent(batch, b -> new ArrayList<>());
                list.add(block);
                if (list.size() >= batchBlocks || bytesOf(list) >= batchBytes) {
                    send(batch, pending.remove(batch), deadlineNanos, cancelled, tally);
                }
            }
        }
        for (Map.Entry<Batch, List<ResidentBlock>> e : pending.entrySet()) {
            send(e.getKey(), e.getValue(), deadlineNanos, cancelled, tally);
        }
        return tally.report(targets, start, cancelled.getAsBoolean());
    }

    private static long bytesOf(List<ResidentBlock> list) {
        long n = 0;
        for (ResidentBlock b : list) {
            n += b.length();
        }
        return n;
    }

    /** Sends one batch, re-sending the blocks answered with a retryable status until the deadline. */
    private void send(Batch batch, List<ResidentBlock> blocks, long deadlineNanos, BooleanSupplier cancelled,
                      Tally tally) {
        List<BlockHandle> handles = new ArrayList<>(blocks.size());
        try {
            for (ResidentBlock b : blocks) {
                BlockHandle h = b.pin();
                if (h == null) {
                    tally.vanished++;
                } else {
                    handles.add(h);
                }
            }
            List<BlockHandle> todo = handles;
            while (!todo.isEmpty()) {
                if (closed || cancelled.getAsBoolean() || System.nanoTime() - deadlineNanos > 0) {
                    tally.failed += todo.size();
                    return;
                }
                todo = sendOnce(batch, todo, tally);
                if (!todo.isEmpty()) {
                    pause();
                }
            }
        } finally {
            for (BlockHandle h : handles) {
                h.close();
            }
        }
    }

    /** One PUT_BATCH; returns the blocks to send again. */
    private List<BlockHandle> sendOnce(Batch batch, List<BlockHandle> blocks, Tally tally) {
        BlockKey[] keys = new BlockKey[blocks.size()];
        ByteBuffer[] data = new ByteBuffer[blocks.size()];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = blocks.get(i).key();
            data[i] = blocks.get(i).data();
        }
        PutResult result;
        try {
            result = peer(batch.target).put(batch.namespace, keys, data)
                .get(requestTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
            return blocks;
        } catch (Exception e) {
            LOG.log(Level.DEBUG, "hand-off to " + batch.target.id() + " failed; retrying", e);
            dropPeer(batch.target.id());
            return blocks;
        }
        List<BlockHandle> again = new ArrayList<>();
        for (int i = 0; i < keys.length; i++) {
            ErrorCode s = result.statuses()[i];
            if (s == ErrorCode.OK) {
                tally.pushed++;
                tally.bytes += blocks.get(i).length();
            } else if (s.category() == ErrorCode.Category.RETRYABLE) {
                again.add(blocks.get(i));
            } else {
                tally.failed++;
                LOG.log(Level.WARNING, "hand-off of " + keys[i] + " to " + batch.target.id() + " refused: " + s);
            }
        }
        return again;
    }

    private static void pause() {
        try {
            Thread.sleep(RETRY_PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private KvClient peer(NodeInfo node) {
        return peers.computeIfAbsent(node.id(), id -> KvClient.connect(ClientContext.builder()
            .server(node.host(), node.dataPort()).controlPort(node.controlPort()).connections(1)
            .requestTimeout(requestTimeout).tls(peerTls).build()));
    }

    private void dropPeer(String id) {
        KvClient c = peers.remove(id);
        if (c != null) {
            c.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (String id : List.copyOf(peers.keySet())) {
            dropPeer(id);
        }
    }

    /** A PUT_BATCH destination: one target node, one namespace. */
    private record Batch(NodeInfo target, BlockKey namespace) {
    }

    private static final class Tally {
        long pushed;
        long bytes;
        long failed;
        long vanished;

        HandoffReport report(Set<String> targets, long startNanos, boolean cancelled) {
            return new HandoffReport(pushed, bytes, failed, vanished, targets.size(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos), cancelled);
        }
    }
}
