package io.spillway.key;

import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * One thread's hashing state: a reused SHA-256 digest and a scratch buffer into which each preimage is encoded
 * before one {@code update}. Hashing a block allocates only the resulting {@link BlockKey}.
 */
final class BlockHasher {
    static final byte[] NAMESPACE_TAG = "spillway/ns/v2".getBytes(StandardCharsets.US_ASCII);
    static final byte[] BLOCK_TAG = "spillway/block/v1".getBytes(StandardCharsets.US_ASCII);

    private static final ThreadLocal<BlockHasher> PER_THREAD = ThreadLocal.withInitial(BlockHasher::new);
    private static final int BLOCK_HEADER_BYTES = BLOCK_TAG.length + BlockKey.BYTES + 4;

    private final MessageDigest sha256;
    private final byte[] digest = new byte[32];
    private byte[] scratch = new byte[1024];

    private BlockHasher() {
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    static BlockHasher current() {
        return PER_THREAD.get();
    }

    /** {@code k_0 = H("spillway/ns/v2" ‖ namespace fields in order)}. */
    BlockKey namespaceRoot(Namespace ns) {
        byte[][] strings = {
            ns.tenant().getBytes(StandardCharsets.UTF_8),
            ns.modelId().getBytes(StandardCharsets.UTF_8),
            ns.loraAdapter().getBytes(StandardCharsets.UTF_8),
            ns.dtype().getBytes(StandardCharsets.UTF_8),
            ns.layout().getBytes(StandardCharsets.UTF_8),
        };
        int size = NAMESPACE_TAG.length + 8 * 4 + strings.length * 4;
        for (byte[] s : strings) {
            size += s.length;
        }
        ensureCapacity(size);
        int pos = copy(NAMESPACE_TAG, 0);
        pos = putString(strings[0], pos);
        pos = putString(strings[1], pos);
        pos = putString(strings[2], pos);
        pos = putString(strings[3], pos);
        pos = putU32(ns.blockSizeTokens(), pos);
        pos = putU32(ns.layers(), pos);
        pos = putU32(ns.kvHeads(), pos);
        pos = putU32(ns.headDim(), pos);
        pos = putU32(ns.tpSize(), pos);
        pos = putU32(ns.tpRank(), pos);
        pos = putU32(ns.ppSize(), pos);
        pos = putU32(ns.ppRank(), pos);
        pos = putString(strings[4], pos);
        return finish(pos);
    }

    /** Makes room for blocks of {@code blockSize} tokens followed by at most {@code extrasBytes} of extras. */
    void reserve(int blockSize, int extrasBytes) {
        ensureCapacity(BLOCK_HEADER_BYTES + 4 * blockSize + extrasBytes);
    }

    /** {@code k_i} for one block whose extras are given; call {@link #reserve} first. */
    BlockKey block(long parentHi, long parentLo, int[] tokens, int offset, int blockSize, ExtraKeys extras) {
        int pos = putBlockHeader(parentHi, parentLo, tokens, offset, blockSize);
        return finish(extras.writeTo(scratch, pos));
    }

    /**
     * {@code k_i} for the block of a request covering tokens {@code [offset, offset + blockSize)}, extras taken from
     * the request; call {@link #reserve} first.
     */
    BlockKey block(long parentHi, long parentLo, int[] tokens, int offset, int blockSize, RequestExtras extras) {
        int pos = putBlockHeader(parentHi, parentLo, tokens, offset, blockSize);
        return finish(extras.encodeBlock(offset, offset + blockSize, scratch, pos));
    }

    private int putBlockHeader(long parentHi, long parentLo, int[] tokens, int offset, int blockSize) {
        int pos = copy(BLOCK_TAG, 0);
        KeyBytes.putKey(scratch, pos, parentHi, parentLo);
        pos = putU32(blockSize, pos + BlockKey.BYTES);
        for (int i = offset, end = offset + blockSize; i < end; i++) {
            KeyBytes.putU32(scratch, pos, tokens[i]); // an unsigned 32-bit id, held as its bits
            pos += 4;
        }
        return pos;
    }

    private BlockKey finish(int length) {
        sha256.update(scratch, 0, length);
        try {
            sha256.digest(digest, 0, digest.length);
        } catch (DigestException e) {
            throw new IllegalStateException("a SHA-256 digest is 32 bytes", e);
        }
        return new BlockKey(KeyBytes.getLongBigEndian(digest, 0), KeyBytes.getLongBigEndian(digest, 8));
    }

    private void ensureCapacity(int size) {
        if (scratch.length < size) {
            scratch = new byte[Math.max(size, 2 * scratch.length)];
        }
    }

    private int copy(byte[] src, int pos) {
        System.arraycopy(src, 0, scratch, pos, src.length);
        return pos + src.length;
    }

    private int putString(byte[] utf8, int pos) {
        return copy(utf8, putU32(utf8.length, pos));
    }

    private int putU32(int value, int pos) {
        KeyBytes.putU32(scratch, pos, value);
        return pos + 4;
    }
}
