package io.spillway.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.spillway.cluster.PartitionMap;
import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.protocol.ResponseEncoder;
import io.spillway.tier.BlockWriter;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;

/**
 * Stores the blocks of one connection's PUT_BATCH as they stream in, writing each block's bytes once, from the
 * read buffer straight into the CPU tier's memory: a block is reserved in the tier when its header arrives, each
 * slice is copied into the reservation, and the block is committed (made visible) on the decoder's {@code OK}
 * verdict or aborted on {@code CHECKSUM_MISMATCH}. A refused reservation ({@code BACK_PRESSURE}, ...) becomes the
 * block's status and its bytes are read off the wire and dropped. A connection that drops mid-block aborts the
 * reservation, so nothing partial becomes visible. The CPU tier does not wait on NVMe (it demotes asynchronously
 * and answers {@code BACK_PRESSURE} when behind), so all of this runs on the event loop. In a cluster, a block
 * whose key this node does not own is refused the same way, with {@code NOT_OWNER}, and the response ends with the
 * map's version (the topology trailer). The bytes reserved for blocks being received are the node's
 * {@code spillway_put_reserved_bytes} gauge: a connection closed mid-block (by its peer or by its request-read
 * timeout) gives its reservation back. Event-loop confined.
 */
final class PutBatchAssembler {
    private static final Logger LOG = System.getLogger(PutBatchAssembler.class.getName());

    private final TierChain tiers;
    private final ServerMetrics metrics;
    private int requestId;
    private BlockKey namespace;
    private ErrorCode[] statuses;
    private int count;
    private BlockKey key;
    private int length;
    private int crc32c;
    private BlockWriter writer;
    private ByteBuffer target;
    /** Bytes the current block's reservation holds in the tier (0 when refused or none), in the node's gauge. */
    private int reserved;
    private PartitionMap map;
    private String self;
    private boolean standIn;

    PutBatchAssembler(TierChain tiers, ServerMetrics metrics) {
        this.tiers = tiers;
        this.metrics = metrics;
    }

    /** Starts a request; {@code map} (null when standalone) decides which keys this node {@code self} takes. */
    void start(int requestId, BlockKey namespace, int count, PartitionMap map, String self, boolean standIn) {
        this.map = map;
        this.standIn = standIn;
        this.self = self;
        this.requestId = requestId;
        this.namespace = namespace;
        this.count = count;
        this.statuses = new ErrorCode[count];
    }

    /** A block's header: reserve its room in the tier (a refusal is kept as the writer's status). */
    void block(BlockKey key, int length, int crc32c) {
        this.key = key;
        this.length = length;
        this.crc32c = crc32c;
        if (map != null && !map.owns(self, namespace, key) && !(standIn && map.standsIn(self, namespace, key))) {
            writer = BlockWriter.refused(ErrorCode.NOT_OWNER);
            target = null;
            return;
        }
        try {
            writer = tiers.reserve(namespace, key, length);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "tier reserve of " + key + " (" + length + " bytes) failed", e);
            writer = BlockWriter.refused(ErrorCode.INTERNAL);
        } catch (OutOfMemoryError e) {
            if (!DirectMemory.exhausted(e)) {
                throw e;
            }
            LOG.log(Level.WARNING, DirectMemory.explain("reserving " + length + " bytes for " + key, e));
            writer = BlockWriter.refused(ErrorCode.RESOURCE_EXHAUSTED); // its bytes are read and dropped
        }
        target = writer.target();
        if (target != null) {
            reserved = length;
            metrics.putReserved(length);
        }
    }

    /** The next slice of the current block: copied into the tier's memory, or dropped when refused. */
    void bytes(ByteBuf src, int index, int length) {
        if (target != null) {
            target.limit(target.position() + length);
            src.getBytes(index, target);
        }
    }

    /** The block at {@code index} is complete; commit it when the decoder's verdict is {@code OK}. */
    void end(int index, ErrorCode verdict) {
        ErrorCode status = verdict == ErrorCode.OK ? commit() : verdict;
        discard();
        statuses[index] = status;
        if (status != ErrorCode.OK) {
            metrics.error(status);
        }
    }

    private ErrorCode commit() {
        BlockWriter w = writer;
        writer = null;
        target = null;
        unreserve();
        try {
            ErrorCode code = w.commit(crc32c);
            if (code == ErrorCode.OK) {
                metrics.bytesIn(length);
            }
            return code;
        } catch (RuntimeException e) {
            w.abort();
            LOG.log(Level.WARNING, "tier commit of " + key + " (" + length + " bytes) failed", e);
            return ErrorCode.INTERNAL;
        }
    }

    /** The PUT_BATCH response: one status per block, then the map's version in a cluster. */
    ByteBuf response(ByteBufAllocator alloc) {
        ByteBuf out = alloc.directBuffer(40 + 2 * count);
        ResponseEncoder.writePutBatch(out, requestId, statuses, count, map == null ? -1 : map.topologyVersion());
        statuses = null;
        map = null;
        return out;
    }

    /** Aborts the block being written, if any (bad checksum, or the connection closed mid-put). */
    void discard() {
        if (writer != null) {
            writer.abort();
            writer = null;
            target = null;
        }
        unreserve();
    }

    private void unreserve() {
        if (reserved != 0) {
            metrics.putReserved(-reserved);
            reserved = 0;
        }
    }
}
