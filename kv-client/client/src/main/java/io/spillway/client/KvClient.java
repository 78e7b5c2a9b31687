package io.spillway.client;

import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.protocol.ProtocolLimits;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * Talks to a Spillway node: bulk blocks over the binary protocol (docs/protocol.md), namespaces over the gRPC
 * control plane. Every call is asynchronous and thread-safe; request-level failures complete the future
 * exceptionally with a {@link KvClientException} carrying the wire {@link io.spillway.protocol.ErrorCode};
 * per-block outcomes are in the results.
 *
 * <pre>{@code
 * try (KvClient client = KvClient.connect(ClientContext.builder().server("127.0.0.1", 7600).build())) {
 *     BlockKey ns = client.registerNamespace(namespace).join();
 *     client.put(ns, keys, blocks).join();
 *     GetResult got = client.get(ns, keys, destinations).join();
 * }
 * }</pre>
 */
public interface KvClient extends AutoCloseable {

    /** Opens the connection pool to the node in {@code context}; the returned client is ready to use. */
    static KvClient connect(ClientContext context) {
        return NettyKvClient.connect(context);
    }

    /**
     * Opens a client for a cluster: fetches the partition map from {@link ClientContext#seeds()} and routes every
     * block to its owners (docs/cluster-client.md).
     */
    static ClusterKvClient connectCluster(ClientContext context) {
        return ClusterKvClient.connect(context);
    }

    /** Registers the namespace with the node (idempotent) and returns its id, {@code namespace.id()}. */
    CompletableFuture<BlockKey> registerNamespace(Namespace namespace);

    /**
     * Registers the namespace with {@code replication} copies of each block ({@code 0}: the cluster's default,
     * {@code spillway.cluster.replication}) and returns its id.
     */
    default CompletableFuture<BlockKey> registerNamespace(Namespace namespace, int replication) {
        if (replication == 0) {
            return registerNamespace(namespace);
        }
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot set a replication factor");
    }

    /**
     * Stores blocks {@code keys[i] -> blocks[i]} (each buffer's remaining bytes; positions are not moved).
     * The buffers must stay untouched until the future completes.
     */
    CompletableFuture<PutResult> put(BlockKey namespace, BlockKey[] keys, ByteBuffer[] blocks);

    /**
     * Reads blocks into caller-provided buffers: block {@code i} is written at {@code destinations[i]}'s position;
     * on a hit its limit is set to the end of the block. Direct buffers avoid a copy.
     */
    CompletableFuture<GetResult> get(BlockKey namespace, BlockKey[] keys, ByteBuffer[] destinations);

    /**
     * Whether {@link #putGathered} and {@link #getScattered} move a block's regions straight to and from the wire
     * (no copy through a buffer of the whole block); when false they throw {@link UnsupportedOperationException}.
     */
    default boolean movesRegions() {
        return false;
    }

    /**
     * {@link #put}, each block given as regions laid end to end: block {@code i} is the remaining bytes of
     * {@code regions[i][0]}, then of {@code regions[i][1]}, and so on (positions are not moved). The regions are
     * written to the socket as they are, never gathered into one buffer; the CRC32C covers the block's gathered
     * bytes, so the stored block is the same as a {@link #put} of them in one buffer. The regions must stay untouched
     * until the future completes.
     */
    default CompletableFuture<PutResult> putGathered(BlockKey namespace, BlockKey[] keys, ByteBuffer[][] regions) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not put gathered regions");
    }

    /**
     * {@link #get}, each block's destination given as regions: block {@code i}'s bytes land in the remaining bytes of
     * {@code regions[i][0]}, then of {@code regions[i][1]}, and so on, scattered straight from the receive buffer
     * (one copy, as a {@link #get}). Positions and limits are never moved; the hit's length is in the result. A block
     * longer than its regions' remaining bytes is {@code BUFFER_TOO_SMALL} and nothing of it is written; a block
     * whose bytes fail their CRC32C (checked over the whole block) is {@code CHECKSUM_MISMATCH}, and its regions'
     * bytes are then undefined: only a hit ({@code OK}) says they hold the block.
     */
    default CompletableFuture<GetResult> getScattered(BlockKey namespace, BlockKey[] keys, ByteBuffer[][] regions) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not get into scattered regions");
    }

    /** The longest run of leading keys the node holds, overall and per tier ({@code keys} in chain order). */
    CompletableFuture<PrefixLookup> lookupPrefix(BlockKey namespace, BlockKey[] keys);

    /**
     * {@link #lookupPrefix} for a chain of any length (a 128k-token prompt is 8,192 keys): batches of the default
     * request limit ({@link ProtocolLimits#DEFAULT_MAX_BLOCKS_PER_REQUEST}), each asked only
     * while the ones before it were whole; an empty chain is an empty prefix.
     */
    default CompletableFuture<PrefixLookup> lookupLongPrefix(BlockKey namespace, BlockKey[] keys) {
        return LongPrefixLookup.start(this, namespace, keys,
            ProtocolLimits.DEFAULT_MAX_BLOCKS_PER_REQUEST);
    }

    /** A round trip on the data plane. */
    CompletableFuture<Void> ping();

    @Override
    void close();
}
