package io.spillway.key;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a request adds to its block keys beyond its tokens: a LoRA adapter name, a cache salt, multimodal items and
 * prompt embeddings. Which blocks each applies to (docs/block-keys.md, "Extra keys"), as vLLM's own block hash does:
 * <ul>
 *   <li>the LoRA name: every block;</li>
 *   <li>the cache salt: the first block of the request only (tokens {@code [0, blockSize)}); the chain carries it on;</li>
 *   <li>a multimodal item (content hash, token offset, token length): every block whose token range overlaps the
 *       item's;</li>
 *   <li>prompt embeddings (a digest of the embeddings of a token range, normally one block's): every block
 *       overlapping that range.</li>
 * </ul>
 * Token offsets are positions in the whole request's token sequence. Immutable and thread-safe; the entries are
 * encoded once, here, so that hashing a chain copies bytes and allocates nothing per block.
 */
public final class RequestExtras {
    /** No LoRA, no salt, no multimodal items, no prompt embeddings. */
    public static final RequestExtras NONE = builder().build();

    private final String lora;
    private final String cacheSalt;
    private final byte @Nullable [] loraEntry;
    private final byte @Nullable [] saltEntry;
    private final RangedEntries multimodal;
    private final RangedEntries promptEmbeds;
    private final int maxEncodedLength;

    private RequestExtras(Builder b) {
        this.lora = b.lora;
        this.cacheSalt = b.cacheSalt;
        this.loraEntry = lora.isEmpty() ? null
            : ExtraKeyType.entry(ExtraKeyType.LORA, Utf8.encode("lora", lora));
        this.saltEntry = cacheSalt.isEmpty() ? null
            : ExtraKeyType.entry(ExtraKeyType.CACHE_SALT, Utf8.encode("cacheSalt", cacheSalt));
        this.multimodal = RangedEntries.of("multimodal items", b.multimodal);
        this.promptEmbeds = RangedEntries.of("prompt-embedding ranges", b.promptEmbeds);
        this.maxEncodedLength = 4 + (loraEntry == null ? 0 : loraEntry.length)
            + (saltEntry == null ? 0 : saltEntry.length) + multimodal.totalEncodedLength()
            + promptEmbeds.totalEncodedLength();
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
        return multimodal.size();
    }

    /** The hash of the {@code i}-th multimodal item, items in order of token offset. */
    public String multimodalHash(int i) {
        return multimodal.label(i);
    }

    public int multimodalOffset(int i) {
        return multimodal.offset(i);
    }

    public int multimodalLength(int i) {
        return multimodal.length(i);
    }

    /** The number of prompt-embedding ranges. */
    public int promptEmbedsCount() {
        return promptEmbeds.size();
    }

    public boolean isEmpty() {
        return loraEntry == null && saltEntry == null && multimodal.size() == 0 && promptEmbeds.size() == 0;
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
        long mm = multimodal.encodeOverlapping(blockStart, blockEnd, dst, pos);
        long pe = promptEmbeds.encodeOverlapping(blockStart, blockEnd, dst, (int) mm);
        count += (int) (mm >>> 32) + (int) (pe >>> 32);
        KeyBytes.putU32(dst, countAt, count);
        return (int) pe;
    }

    private static int copy(byte[] entry, byte[] dst, int pos) {
        System.arraycopy(entry, 0, dst, pos, entry.length);
        return pos + entry.length;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("RequestExtras{lora='").append(lora).append("', cacheSalt='")
            .append(cacheSalt).append("', multimodal=[");
        for (int i = 0; i < multimodal.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(multimodal.label(i)).append('@').append(multimodal.offset(i))
                .append('+').append(multimodal.length(i));
        }
        return sb.append("], promptEmbeds=").append(promptEmbeds.size()).append("}").toString();
    }

    /** Collects a request's extras; setters validate at once and name the bad value. */
    public static final class Builder {
        private String lora = "";
        private String cacheSalt = "";
        private final List<RangedEntries.Item> multimodal = new ArrayList<>();
        private final List<RangedEntries.Item> promptEmbeds = new ArrayList<>();

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
         * Adds a multimodal item: its content hash (for vLLM, the item's {@code identifier}, its {@code mm_hash}) and
         * the token range {@code [offset, offset + length)} its placeholder tokens occupy in the request.
         */
        public Builder multimodal(String hash, int offset, int length) {
            if (hash == null || hash.isEmpty()) {
                throw new IllegalArgumentException("multimodal hash must be non-empty, got '" + hash + "'");
            }
            Utf8.requireWellFormed("multimodal hash", hash);
            RangedEntries.checkRange("multimodal", offset, length);
            byte[] hashBytes = Utf8.encode("multimodal hash", hash);
            multimodal.add(new RangedEntries.Item(hash, offset, length, rangedEntry(ExtraKeyType.MULTIMODAL, offset,
                length, hashBytes)));
            return this;
        }

        /**
         * Adds the digest of the prompt embeddings that stand for tokens {@code [offset, offset + length)} (vLLM
         * hashes each block's slice of {@code prompt_embeds} with SHA-256: one range a block, 32 bytes each).
         */
        public Builder promptEmbeds(int offset, int length, byte[] digest) {
            if (digest == null || digest.length == 0 || digest.length > 64) {
                throw new IllegalArgumentException("a prompt-embedding digest must have 1 to 64 bytes, got "
                    + (digest == null ? "null" : digest.length + " bytes"));
            }
            RangedEntries.checkRange("prompt embeddings", offset, length);
            promptEmbeds.add(new RangedEntries.Item(HexFormat.of().formatHex(digest), offset, length,
                rangedEntry(ExtraKeyType.PROMPT_EMBEDS, offset, length, digest)));
            return this;
        }

        /** Builds the extras; rejects overlapping multimodal items and overlapping embedding ranges. */
        public RequestExtras build() {
            return new RequestExtras(this);
        }

        /** Payload: {@code u32 LE offset ‖ u32 LE length ‖ bytes}. */
        private static byte[] rangedEntry(byte type, int offset, int length, byte[] bytes) {
            byte[] payload = new byte[8 + bytes.length];
            KeyBytes.putU32(payload, 0, offset);
            KeyBytes.putU32(payload, 4, length);
            System.arraycopy(bytes, 0, payload, 8, bytes.length);
            return ExtraKeyType.entry(type, payload);
        }

        private static String wellFormedOrEmpty(String field, String value) {
            if (value == null) {
                return "";
            }
            Utf8.requireWellFormed(field, value);
            return value;
        }
    }
}
