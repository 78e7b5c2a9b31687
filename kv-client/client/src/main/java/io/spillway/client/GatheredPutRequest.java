package io.spillway.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.spillway.key.BlockKey;
import io.spillway.protocol.BodyLayout;
import io.spillway.protocol.ErrorCode;
import io.spillway.protocol.FrameHeader;
import io.spillway.protocol.OpCode;
import io.spillway.protocol.RequestEncoder;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * A PUT_BATCH whose blocks are each several regions laid end to end ({@link KvClient#putGathered}): the same frame
 * as {@link PutRequest}'s, the header buffer's slices written between the regions, each region wrapped, never copied,
 * so the socket gathers them (writev). A block's CRC32C is computed over its regions in order, by the caller's
 * thread: the node stores and checks the same bytes as a put of the block in one buffer.
 */
final class GatheredPutRequest extends PendingRequest<PutResult> {
    private final BlockKey namespace;
    private final BlockKey[] keys;
    private final ByteBuffer[][] regions;
    private final int[] lengths;
    private final int[] crcs;
    private final long totalBytes;
    private final ErrorCode[] statuses;

    GatheredPutRequest(BlockKey namespace, BlockKey[] keys, ByteBuffer[][] regions, int[] lengths) {
        super(OpCode.PUT_BATCH);
        this.namespace = namespace;
        this.keys = keys;
        this.regions = regions;
        this.lengths = lengths;
        this.crcs = new int[keys.length];
        long total = 0;
        CRC32C crc = new CRC32C();
        for (int i = 0; i < regions.length; i++) {
            crc.reset();
            for (ByteBuffer r : regions[i]) {
                crc.update(r.duplicate());
            }
            crcs[i] = (int) crc.getValue();
            total += lengths[i];
        }
        this.totalBytes = total;
        this.statuses = new ErrorCode[keys.length];
    }

    /** Each block's length, its regions' remaining bytes added up; throws for a malformed call. */
    static int[] lengthsOf(ByteBuffer[][] regions, int maxBlockBytes) {
        int[] lengths = new int[regions.length];
        for (int i = 0; i < regions.length; i++) {
            if (regions[i] == null || regions[i].length == 0) {
                throw new IllegalArgumentException("block " + i + " has no regions");
            }
            long n = 0;
            for (ByteBuffer r : regions[i]) {
                n += r.remaining();
            }
            if (n > maxBlockBytes) {
                lengths[i] = -1;
            } else {
                lengths[i] = (int) n;
            }
        }
        return lengths;
    }

    @Override
    ChannelFuture write(Channel channel) {
        int n = keys.length;
        int start = FrameHeader.LENGTH + BodyLayout.PREAMBLE_LENGTH;
        ByteBuf headers = channel.alloc().directBuffer(start + n * BodyLayout.BLOCK_HEADER_LENGTH);
        try {
            RequestEncoder.writePutBatchStart(headers, flags, requestId, namespace, n, totalBytes);
            for (int i = 0; i < n; i++) {
                RequestEncoder.writePutBlockHeader(headers, keys[i], lengths[i], crcs[i]);
            }
            ChannelFuture last = channel.write(headers.retainedSlice(0, start));
            for (int i = 0; i < n; i++) {
                int at = start + i * BodyLayout.BLOCK_HEADER_LENGTH;
                last = channel.write(headers.retainedSlice(at, BodyLayout.BLOCK_HEADER_LENGTH));
                for (ByteBuffer r : regions[i]) {
                    if (r.hasRemaining()) {
                        last = channel.write(Unpooled.wrappedBuffer(r.duplicate()));
                    }
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
