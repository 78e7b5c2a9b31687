package io.spillway.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.protocol.ResponseEncoder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Assembles the blocks of one connection's PUT_BATCH as they stream in and stores each into the tier chain the
 * moment it is complete and its CRC32C verified; a block that fails verification or is too large is never stored.
 * At most one block's bytes are held (one pooled direct buffer); a connection that drops mid-block releases it and
 * nothing partial becomes visible. The CPU tier's put does not wait on NVMe (it demotes asynchronously and answers
 * {@code BACK_PRESSURE} when behind), so stores run on the event loop. Event-loop confined.
 */
final class PutBatchAssembler {
    private static final Logger LOG = Logger.getLogger(PutBatchAssembler.class.getName());

    private final TierChain tiers;
    private final ServerMetrics metrics;
    private int requestId;
    private BlockKey namespace;
    private ErrorCode[] statuses;
    private int count;
    private BlockKey key;
    private int crc32c;
    private ByteBuf block;

    PutBatchAssembler(TierChain tiers, ServerMetrics metrics) {
        this.tiers = tiers;
        this.metrics = metrics;
    }

    void start(int requestId, BlockKey namespace, int count) {
        this.requestId = requestId;
        this.namespace = namespace;
        this.count = count;
        this.statuses = new ErrorCode[count];
    }

    void block(ByteBufAllocator alloc, BlockKey key, int length, int crc32c) {
        this.key = key;
        this.crc32c = crc32c;
        this.block = length == 0 ? Unpooled.EMPTY_BUFFER : alloc.directBuffer(length, length);
    }

    void bytes(ByteBuf src, int index, int length) {
        block.writeBytes(src, index, length);
    }

    /** The block at {@code index} is complete; store it when the decoder's verdict is {@code OK}. */
    void end(int index, ErrorCode verdict) {
        ErrorCode status = verdict;
        if (verdict == ErrorCode.OK) {
            status = store();
        }
        discard();
        statuses[index] = status;
        if (status != ErrorCode.OK) {
            metrics.error(status);
        }
    }

    private ErrorCode store() {
        int length = block.readableBytes();
        try {
            ErrorCode code = tiers.put(namespace, key, block.nioBuffer(), crc32c);
            if (code == ErrorCode.OK) {
                metrics.bytesIn(length);
            }
            return code;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "tier put of " + key + " (" + length + " bytes) failed", e);
            return ErrorCode.INTERNAL;
        }
    }

    /** The PUT_BATCH response: one status per block. */
    ByteBuf response(ByteBufAllocator alloc) {
        ByteBuf out = alloc.directBuffer(32 + 2 * count);
        ResponseEncoder.writePutBatch(out, requestId, statuses, count);
        statuses = null;
        return out;
    }

    /** Releases a partial block (connection closed mid-put). */
    void discard() {
        if (block != null) {
            block.release();
            block = null;
        }
    }
}
