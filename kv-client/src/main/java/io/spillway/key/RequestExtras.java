package io.spillway.key;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * What a request adds to its block keys beyond its tokens: a LoRA adapter name, a cache salt and multimodal items.
 * Which blocks each applies to (docs/block-keys.md, "Extra keys"):
 * <ul>
 *   <li>the LoRA name: every block;</li>
 *   <li>the cache salt: the first block of the request only (tokens {@code [0, blockSize)}); the chain carries it on;</li>
 *   <li>a multimodal item (hash, token offset, token length): every block whose token range overlaps the item's.</li>
 * </ul>
 * Token offsets are positions in the whole request's token sequence. Immutable and thread-safe; the entries are
 * encoded once, here, so that hashing a chain copies bytes and allocates nothing per block.
 */
public final class RequestExtras {
    /** No LoRA, no salt, no multimodal items. */
    public static final RequestExtras NONE = builder().build();

    private final String lora;
    private final String cacheSalt;
    private final byte[] loraEntry;
    private final byte[] saltEntry;
    private final String[] mmHashes;
    private final int[] mmOffsets;
    private final int[] mmEnds;
    private final byte[][] mmEntries;
    private final int maxEncodedLength;

    private RequestExtras(Builder b) {
        this.lora = b.lora;
        this.cacheSalt = b.cacheSalt;
        this.loraEntry = lora.isEmpty() ? null
            : ExtraKeyType.entry(ExtraKeyType.LORA, Utf8.encode("lora", lora));
        this.saltEntry = cacheSalt.isEmpty() ? null
            : ExtraKeyType.entry(ExtraKeyType.CACHE_SALT, Utf8.encode("cacheSalt", cacheSalt));
        MultimodalItem[] items = sortedWithoutOverlap(b.items);
        int n = items.length;
        this.mmHashes = new String[n];
        this.mmOffsets = new int[n];
        this.mmEnds = new int[n];
        this.mmEntries = new byte[n][];
        int max = 4 + (loraEntry == null ? 0 : loraEntry.length) + (saltEntry == null ? 0 : saltEntry.length);
        for (int i = 0; i < n; i++) {
            MultimodalItem item = items[i];
            mmHashes[i] = item.hash;
            mmOffsets[i] = item.offset;
            mmEnds[i] = item.offset + item.length;
            mmEntries[i] = item.entry();
            max += mmEntries[i].length;
        }
        this.maxEncodedLength = max;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The LoRA adapter name, or the empty string for none. */
    public String lora() {
        return lora;
    }

    /** The cache salt, or the empty string for none. */
    public String cacheSalt() {
        return cacheSalt;
    }

    public int multimodalCount() {
        return mmHashes.length;
    }

    /** The hash of the {@code i}-th multimodal item, items in order of token offset. */
    public String multimodalHash(int i) {
        return mmHashes[i];
    }

    public int multimodalOffset(int i) {
        return mmOffsets[i];
    }

    public int multimodalLength(int i) {
        return mmEnds[i] - mmOffsets[i];
    }

    public boolean isEmpty() {
        return loraEntry == null && saltEntry == null && mmHashes.length == 0;
    }

    /**
     * The extra keys of block {@code blockIndex} (tokens {@code [blockIndex * blockSize, (blockIndex + 1) * blockSize)})
     * of this request, for {@link BlockKeys#next(BlockKey, int[], int, int, ExtraKeys)}.
     */
    public ExtraKeys forBlock(int blockIndex, int blockSize) {
        if (blockIndex < 0) {
            throw new IllegalArgumentException("blockIndex must be >= 0, got " + blockIndex);
        }
        BlockKeys.requireBlockSize(blockSize);
        long start = (long) blockIndex * blockSize;
        if (start + blockSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("block " + blockIndex + " of " + blockSize
                + " tokens ends past the largest token offset " + Integer.MAX_VALUE);
        }
        if (isEmpty()) {
            return ExtraKeys.NONE;
        }
        byte[] buffer = new byte[maxEncodedLength];
        int length = encodeBlock((int) start, (int) start + blockSize, buffer, 0);
        return new ExtraKeys(KeyBytes.getU32(buffer, 0), Arrays.copyOf(buffer, length));
    }

    /** An upper bound of the encoded extras of any block: count plus every entry. */
    int maxEncodedLength() {
        return maxEncodedLength;
    }

    /**
     * Writes the extras of the block covering tokens {@code [blockStart, blockEnd)} at {@code pos} (count first) and
     * returns the position after them. {@code dst} must have {@link #maxEncodedLength()} bytes free.
     */
    int encodeBlock(int blockStart, int blockEnd, byte[] dst, int pos) {
        int countAt = pos;
        pos += 4;
        int count = 0;
        if (loraEntry != null) {
            pos = copy(loraEntry, dst, pos);
            count++;
        }
        if (saltEntry != null && blockStart == 0) {
            pos = copy(saltEntry, dst, pos);
            count++;
        }
        for (int i = firstItemEndingAfter(blockStart); i < mmOffsets.length && mmOffsets[i] < blockEnd; i++) {
            pos = copy(mmEntries[i], dst, pos);
            count++;
        }
        KeyBytes.putU32(dst, countAt, count);
        return pos;
    }

    /** Items are sorted and disjoint, so their ends ascend too: binary search for the first end after {@code t}. */
    private int firstItemEndingAfter(int t) {
        int lo = 0;
        int hi = mmEnds.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (mmEnds[mid] > t) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private static int copy(byte[] entry, byte[] dst, int pos) {
        System.arraycopy(entry, 0, dst, pos, entry.length);
        return pos + entry.length;
    }

    private static MultimodalItem[] sortedWithoutOverlap(List<MultimodalItem> items) {
        MultimodalItem[] sorted = items.toArray(new MultimodalItem[0]);
        Arrays.sort(sorted, Comparator.comparingInt(item -> item.offset));
        for (int i = 1; i < sorted.length; i++) {
            MultimodalItem prev = sorted[i - 1];
            if (sorted[i].offset < prev.offset + prev.length) {
                throw new IllegalArgumentException("multimodal items must not overlap: " + prev + " and " + sorted[i]);
            }
        }
        return sorted;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("RequestExtras{lora='").append(lora).append("', cacheSalt='")
            .append(cacheSalt).append("', multimodal=[");
        for (int i = 0; i < mmHashes.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(mmHashes[i]).append('@').append(mmOffsets[i]).append('+')
                .append(multimodalLength(i));
        }
        return sb.append("]}").toString();
    }

    /** Collects a request's extras; setters validate at once and name the bad value. */
    public static final class Builder {
        private String lora = "";
        private String cacheSalt = "";
        private final List<MultimodalItem> items = new ArrayList<>();

        private Builder() {
        }

        /** The request's LoRA adapter name; {@code null} or empty for the base model. */
        public Builder lora(String name) {
            lora = wellFormedOrEmpty("lora", name);
            return this;
        }

        /** The request's cache salt; {@code null} or empty for none. */
        public Builder cacheSalt(String salt) {
            cacheSalt = wellFormedOrEmpty("cacheSalt", salt);
            return this;
        }

        /**
         * Adds a multimodal item: its content hash (for vLLM, the item's {@code mm_hash} string) and the token range
         * {@code [offset, offset + length)} its placeholder tokens occupy in the request.
         */
        public Builder multimodal(String hash, int offset, int length) {
            if (hash == null || hash.isEmpty()) {
                throw new IllegalArgumentException("multimodal hash must be non-empty, got '" + hash + "'");
            }
            Utf8.requireWellFormed("multimodal hash", hash);
            if (offset < 0) {
                throw new IllegalArgumentException("multimodal offset must be >= 0, got " + offset);
            }
            if (length <= 0) {
                throw new IllegalArgumentException("multimodal length must be > 0, got " + length);
            }
            if ((long) offset + length > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("multimodal item [" + offset + ", " + offset + " + " + length
                    + ") ends past the largest token offset " + Integer.MAX_VALUE);
            }
            items.add(new MultimodalItem(hash, offset, length));
            return this;
        }

        /** Builds the extras; rejects overlapping multimodal items. */
        public RequestExtras build() {
            return new RequestExtras(this);
        }

        private static String wellFormedOrEmpty(String field, String value) {
            if (value == null) {
                return "";
            }
            Utf8.requireWellFormed(field, value);
            return value;
        }
    }

    private static final class MultimodalItem {
        final String hash;
        final int offset;
        final int length;

        MultimodalItem(String hash, int offset, int length) {
            this.hash = hash;
            this.offset = offset;
            this.length = length;
        }

        /** Payload: {@code u32 LE offset ‖ u32 LE length ‖ UTF-8 hash}. */
        byte[] entry() {
            byte[] hashBytes = Utf8.encode("multimodal hash", hash);
            byte[] payload = new byte[8 + hashBytes.length];
            KeyBytes.putU32(payload, 0, offset);
            KeyBytes.putU32(payload, 4, length);
            System.arraycopy(hashBytes, 0, payload, 8, hashBytes.length);
            return ExtraKeyType.entry(ExtraKeyType.MULTIMODAL, payload);
        }

        @Override
        public String toString() {
            return "'" + hash + "'@[" + offset + ", " + (offset + length) + ")";
        }
    }
}
