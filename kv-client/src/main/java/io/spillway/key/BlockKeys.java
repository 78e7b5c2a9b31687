package io.spillway.key;

/** The one implementation of the block-key encoding in docs/block-keys.md. */
public final class BlockKeys {
    private BlockKeys() {
    }

    /** {@code k_0 = H(namespace)}. */
    public static BlockKey namespaceRoot(Namespace ns) {
        throw new UnsupportedOperationException("to be written: see docs/block-keys.md");
    }
}
