package io.spillway.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.spillway.key.BlockKey;
import io.spillway.protocol.BodyLayout;
import io.spillway.protocol.Crc32c;
import io.spillway.protocol.ErrorCode;
import io.spillway.protocol.FrameHeader;
import io.spillway.protocol.OpCode;
import io.spillway.protocol.RequestEncoder;
import java.nio.ByteBuffer;

/**
 * A PUT_BATCH: the frame header and every 24-byte block header go into one pooled direct buffer, written as slices
 * between the blocks' own bytes, which are wrapped, never copied. CRC32Cs are computed by the caller's thread.
 */
final class PutRequest extends PendingRequest<PutResult> {
    private final BlockKey namespace;
    private final BlockKey[] keys;
    private final ByteBuffer[] blocks;
    private final int[] crcs;
    private final long totalBytes;
    private final ErrorCode[] statuses;

    PutRequest(BlockKey namespace, BlockKey[] keys, ByteBuffer[] blocks) {
        this(namespace, keys, blocks, crcsOf(blocks));
    }

    /** A put whose CRC32Cs ({@code crcs[i]} of {@code blocks[i]}'s remaining bytes) the caller computed. */
    PutRequest(BlockKey namespace, BlockKey[] keys, ByteBuffer[] blocks, int[] crcs) {
        super(OpCode.PUT_BATCH);
        this.namespace = namespace;
        this.keys = keys;
        this.blocks = blocks;
        this.crcs = crcs;
        long total = 0;
        for (ByteBuffer b : blocks) {
            total += b.remaining();
        }
        this.totalBytes = total;
        this.statuses = new ErrorCode[keys.length];
    }

    static int[] crcsOf(ByteBuffer[] blocks) {
        int[] crcs = new int[blocks.length];
        for (int i = 0; i < blocks.length; i++) {
            crcs[i] = Crc32c.of(blocks[i]);
        }
        return crcs;
    }

    long totalBytes() {
        return totalBytes;
    }

    @Override
    ChannelFuture write(Channel channel) {
        int n = keys.length;
        int start = FrameHeader.LENGTH + BodyLayout.PREAMBLE_LENGTH;
        ByteBuf headers = channel.alloc().directBuffer(start + n * BodyLayout.BLOCK_HEADER_LENGTH);
        try {
            RequestEncoder.writePutBatchStart(headers, flags, requestId, namespace, n, totalBytes);
            for (int i = 0; i < n; i++) {
                RequestEncoder.writePutBlockHeader(headers, keys[i], blocks[i].remaining(), crcs[i]);
            }
            ChannelFuture last = channel.write(headers.retainedSlice(0, start));
            for (int i = 0; i < n; i++) {
                int at = start + i * BodyLayout.BLOCK_HEADER_LENGTH;
                channel.write(headers.retainedSlice(at, BodyLayout.BLOCK_HEADER_LENGTH));
                if (blocks[i].hasRemaining()) {
                    last = channel.write(Unpooled.wrappedBuffer(blocks[i].duplicate()));
                }
            }
            return last;
        } finally {
            headers.release();
        }
    }

    @Override
    boolean expects(int count) {
        return count == keys.length;
    }

    @Override
    void onPutStatus(int index, ErrorCode status) {
        statuses[index] = status;
    }

    @Override
    PutResult result() {
        return new PutResult(statuses, topologyVersion);
    }
}
