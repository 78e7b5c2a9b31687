package io.spillway.key;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The extra keys of one block, in their canonical encoding: {@code u32 LE count}, then each entry as
 * {@code u8 type ‖ u32 LE payload length ‖ payload}, sorted by type and, for multimodal items, by token offset
 * (docs/block-keys.md, "Extra keys"). Immutable.
 *
 * <p>Obtain one from {@link RequestExtras#forBlock(int, int)}, or use {@link #NONE} for a block without extras.
 * {@link BlockKeys#chain(BlockKey, int[], int, int, RequestExtras)} computes extras per block without creating these.
 */
public final class ExtraKeys {
    /** No extra keys: encodes as a count of 0 (four zero bytes). */
    public static final ExtraKeys NONE = new ExtraKeys(0, new byte[4]);

    private final int count;
    private final byte[] encoding;

    ExtraKeys(int count, byte[] encoding) {
        this.count = count;
        this.encoding = encoding;
    }

    /** The number of entries. */
    public int count() {
        return count;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /** A copy of the canonical encoding, count first. */
    public byte[] toBytes() {
        return encoding.clone();
    }

    int encodedLength() {
        return encoding.length;
    }

    /** Copies the encoding into {@code dst} at {@code pos}; returns the position after it. */
    int writeTo(byte[] dst, int pos) {
        System.arraycopy(encoding, 0, dst, pos, encoding.length);
        return pos + encoding.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExtraKeys e && Arrays.equals(e.encoding, encoding);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encoding);
    }

    @Override
    public String toString() {
        return "ExtraKeys{count=" + count + ", encoding=" + HexFormat.of().formatHex(encoding) + "}";
    }
}
