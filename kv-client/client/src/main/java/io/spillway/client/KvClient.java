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
