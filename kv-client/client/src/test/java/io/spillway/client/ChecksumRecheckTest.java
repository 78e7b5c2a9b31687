package io.spillway.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.spillway.key.BlockKey;
import io.spillway.protocol.BodyLayout;
import io.spillway.protocol.ErrorCode;
import io.spillway.protocol.FrameHeader;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A get carries {@code FLAG_CLIENT_VERIFIES}; the blocks that fail the client's CRC32C check are read again, alone,
 * into the same destinations and without the flag (so the node checks them itself), and the outcomes are merged.
 */
class ChecksumRecheckTest {
    private static final BlockKey NS = new BlockKey(7, 7);
    private static final BlockKey[] KEYS = {new BlockKey(1, 1), new BlockKey(1, 2), new BlockKey(1, 3)};

    private static final ByteBuffer[] DESTINATIONS = {ByteBuffer.allocate(8), ByteBuffer.allocate(8),
        ByteBuffer.allocate(8)};

    /** The flags and keys of the frame {@code request} writes. */
    private static int flagsOf(GetRequest request, List<BlockKey> keys) {
        EmbeddedChannel channel = new EmbeddedChannel();
        request.write(channel);
        channel.flush();
        ByteBuf frame = channel.readOutbound();
        try {
            int flags = frame.getUnsignedShortLE(FrameHeader.FLAGS_OFFSET);
            int count = frame.getIntLE(FrameHeader.LENGTH + BodyLayout.KEY_LENGTH);
            for (int i = 0; i < count; i++) {
                int at = FrameHeader.LENGTH + BodyLayout.PREAMBLE_LENGTH + i * BodyLayout.KEY_LENGTH;
                keys.add(new BlockKey(frame.getLong(at), frame.getLong(at + 8)));
            }
            return flags;
        } finally {
            frame.release();
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void aGetAsksTheNodeToLeaveTheCheckToTheClient() {
        GetRequest get = new GetRequest(NS, KEYS, DESTINATIONS);
        get.flags = FrameHeader.FLAG_STAND_IN;
        List<BlockKey> keys = new ArrayList<>();
        assertEquals(FrameHeader.FLAG_CLIENT_VERIFIES | FrameHeader.FLAG_STAND_IN, flagsOf(get, keys));
        assertEquals(List.of(KEYS), keys);
    }

    @Test
    void onlyTheMismatchedBlocksAreReadAgainWithTheNodesCheckAndMerged() throws Exception {
        GetRequest get = new GetRequest(NS, KEYS, DESTINATIONS);
        get.flags = FrameHeader.FLAG_STAND_IN;
        get.timeoutNanos = 123;
        GetResult first = new GetResult(
            new ErrorCode[] {ErrorCode.OK, ErrorCode.CHECKSUM_MISMATCH, ErrorCode.CHECKSUM_MISMATCH},
            new TierKind[] {TierKind.CPU, null, null}, new int[] {8, 8, 8}, 4);
        List<GetRequest> sent = new ArrayList<>();
        GetResult merged = ChecksumRecheck.afterGet(get, first, again -> {
            sent.add(again);
            return CompletableFuture.completedFuture(new GetResult(
                new ErrorCode[] {ErrorCode.NOT_FOUND, ErrorCode.OK}, new TierKind[] {null, TierKind.NVME},
                new int[] {0, 8}, 9));
        }).get();

        assertEquals(1, sent.size(), "one recheck");
        List<BlockKey> keys = new ArrayList<>();
        assertEquals(FrameHeader.FLAG_STAND_IN, flagsOf(sent.get(0), keys), "without FLAG_CLIENT_VERIFIES");
        assertEquals(List.of(KEYS[1], KEYS[2]), keys, "the two that failed, alone");
        assertEquals(123, sent.get(0).timeoutNanos);
        assertArrayEquals(new ErrorCode[] {ErrorCode.OK, ErrorCode.NOT_FOUND, ErrorCode.OK}, merged.statuses());
        assertArrayEquals(new TierKind[] {TierKind.CPU, null, TierKind.NVME}, merged.tiers());
        assertArrayEquals(new int[] {8, 0, 8}, merged.lengths());
        assertEquals(9, merged.topologyVersion());
    }

    @Test
    void aResultWithoutMismatchesIsNotReadAgainAndAFailedRecheckKeepsTheMismatch() throws Exception {
        GetRequest get = new GetRequest(NS, KEYS, DESTINATIONS);
        GetResult clean = new GetResult(new ErrorCode[] {ErrorCode.OK, ErrorCode.NOT_FOUND, ErrorCode.OK},
            new TierKind[] {TierKind.CPU, null, TierKind.CPU}, new int[] {8, 0, 8});
        assertSame(clean, ChecksumRecheck.afterGet(get, clean, again -> {
            throw new AssertionError("nothing to recheck");
        }).get());

        GetResult bad = new GetResult(new ErrorCode[] {ErrorCode.CHECKSUM_MISMATCH, ErrorCode.OK, ErrorCode.OK},
            new TierKind[] {null, TierKind.CPU, TierKind.CPU}, new int[] {8, 8, 8});
        assertSame(bad, ChecksumRecheck.afterGet(get, bad,
            again -> CompletableFuture.failedFuture(new KvClientException(ErrorCode.CONNECTION_LOST, "gone"))).get(),
            "never a hit: the mismatch stands");
    }
}
