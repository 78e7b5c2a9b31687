package io.spillway.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.spillway.key.BlockKey;
import io.spillway.protocol.BodyLayout;
import io.spillway.protocol.ErrorCode;
import io.spillway.protocol.FrameHeader;
import io.spillway.protocol.OpCode;
import io.spillway.protocol.RequestEncoder;

/**
 * What every PUT_BATCH shares, wherever its bytes come from: the frame header and every 24-byte block header go into
 * one pooled direct buffer, written as slices between the blocks' own bytes ({@link #writeBlock}), which are wrapped,
 * never copied; one status an entry. CRC32Cs are computed by the caller's thread.
 */
abstract class PutBatchRequest extends PendingRequest<PutResult> {
    private final BlockKey namespace;
    private final BlockKey[] keys;
    private final int[] crcs;
    private final long totalBytes;
    private final ErrorCode[] statuses;

    PutBatchRequest(BlockKey namespace, BlockKey[] keys, int[] crcs, long totalBytes) {
        super(OpCode.PUT_BATCH);
        this.namespace = namespace;
        this.keys = keys;
        this.crcs = crcs;
        this.totalBytes = totalBytes;
        this.statuses = new ErrorCode[keys.length];
    }

    /** Block {@code i}'s length in bytes. */
    abstract int blockLength(int i);

    /** Writes block {@code i}'s bytes (after its header); the last write's future, or {@code null} for none. */
    abstract ChannelFuture writeBlock(Channel channel, int i);

    long totalBytes() {
        return totalBytes;
    }

    @Override
    final ChannelFuture write(Channel channel) {
        int n = keys.length;
        int start = FrameHeader.LENGTH + BodyLayout.PREAMBLE_LENGTH;
        ByteBuf headers = channel.alloc().directBuffer(start + n * BodyLayout.BLOCK_HEADER_LENGTH);
        try {
            RequestEncoder.writePutBatchStart(headers, flags, requestId, namespace, n, totalBytes);
            for (int i = 0; i < n; i++) {
                RequestEncoder.writePutBlockHeader(headers, keys[i], blockLength(i), crcs[i]);
            }
            ChannelFuture last = channel.write(headers.retainedSlice(0, start));
            for (int i = 0; i < n; i++) {
                int at = start + i * BodyLayout.BLOCK_HEADER_LENGTH;
                last = channel.write(headers.retainedSlice(at, BodyLayout.BLOCK_HEADER_LENGTH));
                ChannelFuture bytes = writeBlock(channel, i);
                if (bytes != null) {
                    last = bytes;
                }
            }
            return last;
        } finally {
            headers.release();
        }
    }

    @Override
    final boolean expects(int count) {
        return count == keys.length;
    }

    @Override
    final void onPutStatus(int index, ErrorCode status) {
        statuses[index] = status;
    }

    @Override
    final PutResult result() {
        return new PutResult(statuses, topologyVersion);
    }
}
