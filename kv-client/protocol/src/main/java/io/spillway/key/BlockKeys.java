package io.spillway.key;

/**
 * The one implementation of the block-key encoding in docs/block-keys.md, used by the connector, the server, the
 * router and the simulator.
 *
 * <pre>
 *   k_0 = H("spillway/ns/v2"    ‖ namespace fields)
 *   k_i = H("spillway/block/v1" ‖ k_{i-1} ‖ u32 token count ‖ token ids as u32 ‖ extra keys of block i)
 *   H   = the first 16 bytes of SHA-256
 * </pre>
 *
 * Only full blocks are keyed: a trailing partial block has no key. Thread-safe: each thread hashes with its own
 * reused digest, and hashing allocates only the resulting keys (and their array).
 */
public final class BlockKeys {
    private BlockKeys() {
    }

    /** {@code k_0 = H(namespace)}: the namespace's id and the parent of its first block. */
    public static BlockKey namespaceRoot(Namespace ns) {
        requireNonNull("namespace", ns);
        return BlockHasher.current().namespaceRoot(ns);
    }

    /** The number of full blocks in {@code tokenCount} tokens: the number of keys a chain over them has. */
    public static int fullBlocks(int tokenCount, int blockSize) {
        if (tokenCount < 0) {
            throw new IllegalArgumentException("tokenCount must be >= 0, got " + tokenCount);
        }
        requireBlockSize(blockSize);
        return tokenCount / blockSize;
    }

    /** The keys of the full blocks of {@code tokens} under {@code ns}, without extra keys. */
    public static BlockKey[] chain(Namespace ns, int[] tokens) {
        return chain(ns, tokens, RequestExtras.NONE);
    }

    /** The keys of the full blocks of {@code tokens} under {@code ns}, with the request's extra keys. */
    public static BlockKey[] chain(Namespace ns, int[] tokens, RequestExtras extras) {
        requireNonNull("namespace", ns);
        return chain(ns.id(), tokens, 0, ns.blockSizeTokens(), extras);
    }

    /**
     * Continues a chain: the keys of the full blocks of {@code tokens[offset..]}, the first of them a child of
     * {@code parent}. {@code tokens} is the whole request and {@code parent} the key of the block ending at
     * {@code offset} (or the namespace root when {@code offset} is 0), so a prompt that extends an earlier one
     * hashes only its new blocks. The result equals the tail of the chain over the whole request.
     *
     * @param offset a multiple of {@code blockSize}, at most {@code tokens.length}
     * @param extras the request's extras; multimodal offsets are positions in {@code tokens}
     */
    public static BlockKey[] chain(BlockKey parent, int[] tokens, int offset, int blockSize, RequestExtras extras) {
        requireNonNull("parent", parent);
        requireNonNull("tokens", tokens);
        requireNonNull("extras", extras);
        requireBlockSize(blockSize);
        if (offset < 0 || offset > tokens.length) {
            throw new IllegalArgumentException("offset must be in [0, tokens.length=" + tokens.length + "], got "
                + offset);
        }
        if (offset % blockSize != 0) {
            throw new IllegalArgumentException("offset must be a multiple of blockSize=" + blockSize + ", got "
                + offset);
        }
        BlockKey[] keys = new BlockKey[(tokens.length - offset) / blockSize];
        BlockHasher hasher = BlockHasher.current();
        hasher.reserve(blockSize, extras.maxEncodedLength());
        long hi = parent.hi();
        long lo = parent.lo();
        for (int i = 0; i < keys.length; i++) {
            BlockKey key = hasher.block(hi, lo, tokens, offset + i * blockSize, blockSize, extras);
            keys[i] = key;
            hi = key.hi();
            lo = key.lo();
        }
        return keys;
    }

    /**
     * The key of one block: the child of {@code parent} over {@code tokens[offset, offset + blockSize)} with the
     * block's own extra keys ({@link ExtraKeys#NONE}, or {@link RequestExtras#forBlock(int, int)}).
     */
    public static BlockKey next(BlockKey parent, int[] tokens, int offset, int blockSize, ExtraKeys blockExtras) {
        requireNonNull("parent", parent);
        requireNonNull("tokens", tokens);
        requireNonNull("blockExtras", blockExtras);
        requireBlockSize(blockSize);
        if (offset < 0 || (long) offset + blockSize > tokens.length) {
            throw new IllegalArgumentException("a block of " + blockSize + " tokens at offset " + offset
                + " does not fit in tokens.length=" + tokens.length);
        }
        BlockHasher hasher = BlockHasher.current();
        hasher.reserve(blockSize, blockExtras.encodedLength());
        return hasher.block(parent.hi(), parent.lo(), tokens, offset, blockSize, blockExtras);
    }

    static void requireBlockSize(int blockSize) {
        if (blockSize <= 0) {
            throw new IllegalArgumentException("blockSize must be > 0, got " + blockSize);
        }
    }

    private static void requireNonNull(String name, Object value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
    }
}
