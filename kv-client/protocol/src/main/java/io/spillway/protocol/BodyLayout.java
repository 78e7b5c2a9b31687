package io.spillway.protocol;

import io.spillway.key.BlockKey;
import io.netty.buffer.ByteBuf;

/** Sizes of the fixed parts of frame bodies (docs/protocol.md), and how a key is read and written. */
public final class BodyLayout {
    /** A key on the wire: {@code hi} big-endian then {@code lo} big-endian. */
    public static final int KEY_LENGTH = BlockKey.BYTES;
    /** Request preamble of PUT_BATCH, GET_BATCH, LOOKUP_PREFIX: namespace id and count. */
    public static final int PREAMBLE_LENGTH = KEY_LENGTH + 4;
    /** PUT_BATCH per block: key, length, CRC32C. */
    public static final int BLOCK_HEADER_LENGTH = KEY_LENGTH + 4 + 4;
    /** Response count field of PUT_BATCH and GET_BATCH. */
    public static final int COUNT_LENGTH = 4;
    /** PUT_BATCH response per block: status. */
    public static final int STATUS_LENGTH = 2;
    /** GET_BATCH response per entry: status, tier, reserved, length, CRC32C. */
    public static final int ENTRY_HEADER_LENGTH = 2 + 1 + 1 + 4 + 4;
    /** LOOKUP_PREFIX response head: prefix length, tier count. */
    public static final int LOOKUP_HEAD_LENGTH = 4 + 1;
    /** LOOKUP_PREFIX response per tier: tier, longest run, blocks in prefix. */
    public static final int LOOKUP_TIER_LENGTH = 1 + 4 + 4;
    /** Error response body: message length, then the UTF-8 message. */
    public static final int ERROR_MESSAGE_LENGTH_LENGTH = 2;
    public static final int MAX_ERROR_MESSAGE_BYTES = 0xFFFF;

    private BodyLayout() {
    }

    public static void writeKey(ByteBuf out, BlockKey key) {
        out.writeLong(key.hi());
        out.writeLong(key.lo());
    }

    /** Reads a key at the reader index and advances it by {@link #KEY_LENGTH}. */
    public static BlockKey readKey(ByteBuf in) {
        long hi = in.readLong();
        return new BlockKey(hi, in.readLong());
    }

    public static long putBatchRequestBodyLength(int count, long totalBlockBytes) {
        return PREAMBLE_LENGTH + (long) BLOCK_HEADER_LENGTH * count + totalBlockBytes;
    }

    public static long keysRequestBodyLength(int count) {
        return PREAMBLE_LENGTH + (long) KEY_LENGTH * count;
    }

    public static long putBatchResponseBodyLength(int count) {
        return COUNT_LENGTH + (long) STATUS_LENGTH * count;
    }

    public static long getBatchResponseBodyLength(int count, long totalBlockBytes) {
        return COUNT_LENGTH + (long) ENTRY_HEADER_LENGTH * count + totalBlockBytes;
    }

    public static long lookupResponseBodyLength(int tierCount) {
        return LOOKUP_HEAD_LENGTH + (long) LOOKUP_TIER_LENGTH * tierCount;
    }
}
