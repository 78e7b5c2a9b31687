package io.spillway.event.vllm;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A block hash as an inference engine reports it in its KV events: vLLM's {@code ExternalBlockHash = bytes | int}
 * (vllm/v1/core/kv_cache_utils.py). An int hash is kept in a {@code long} (a uint64 above {@link Long#MAX_VALUE} is
 * negative here; old vLLM versions also sent signed 64-bit ints); a bytes hash is kept whole (1 to
 * {@link #MAX_BYTES} bytes; sha256 gives 32). Immutable.
 *
 * <p>Spillway never keys blocks by these hashes (docs/block-keys.md); it keeps them only as aliases that lead to a
 * Spillway key. {@link #alias64()} folds either kind to 64 bits for primitive-keyed maps: the int itself, or the
 * last 8 bytes read big-endian (fewer bytes are left-padded with zeros). That is the value vLLM itself sends when
 * {@code VLLM_KV_EVENTS_USE_INT_BLOCK_HASHES=1} ({@code int.from_bytes(hash, "big") & (2^64 - 1)}) and the value
 * llm-d's indexer uses for a bytes hash, so an int hash and the bytes hash it came from share one alias.
 */
public final class EngineBlockHash {
    /** The longest bytes hash accepted. */
    public static final int MAX_BYTES = 64;

    private final long value;
    private final byte[] bytes;

    private EngineBlockHash(long value, byte[] bytes) {
        this.value = value;
        this.bytes = bytes;
    }

    /** An int hash (a uint64 is given as its two's-complement {@code long}). */
    public static EngineBlockHash ofLong(long value) {
        return new EngineBlockHash(value, null);
    }

    /**
     * A bytes hash; the array is copied.
     *
     * @throws IllegalArgumentException when it is empty or longer than {@link #MAX_BYTES}
     */
    public static EngineBlockHash ofBytes(byte[] bytes) {
        if (bytes == null || bytes.length == 0 || bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException("a bytes block hash has 1 to " + MAX_BYTES + " bytes, got "
                + (bytes == null ? "null" : bytes.length));
        }
        return wrap(bytes.clone());
    }

    /** Takes ownership of {@code bytes} (the decoder's fresh array); the caller has checked its length. */
    static EngineBlockHash wrap(byte[] bytes) {
        return new EngineBlockHash(alias64(bytes, 0, bytes.length), bytes);
    }

    /** Whether this is a bytes hash (else an int hash). */
    public boolean isBytes() {
        return bytes != null;
    }

    /**
     * The int hash.
     *
     * @throws IllegalStateException for a bytes hash (use {@link #alias64()} or {@link #bytes()})
     */
    public long longValue() {
        if (bytes != null) {
            throw new IllegalStateException("a bytes block hash has no int value: " + this);
        }
        return value;
    }

    /**
     * A copy of the bytes hash.
     *
     * @throws IllegalStateException for an int hash
     */
    public byte[] bytes() {
        if (bytes == null) {
            throw new IllegalStateException("an int block hash has no bytes: " + this);
        }
        return bytes.clone();
    }

    /** The number of bytes of a bytes hash, 0 for an int hash. */
    public int byteLength() {
        return bytes == null ? 0 : bytes.length;
    }

    /** The 64-bit alias: the int hash, or the last 8 bytes of a bytes hash read big-endian (see the class comment). */
    public long alias64() {
        return value;
    }

    /** The 64-bit alias of a bytes hash held in {@code src[offset, offset + length)}. */
    public static long alias64(byte[] src, int offset, int length) {
        long v = 0;
        for (int i = Math.max(0, length - 8); i < length; i++) {
            v = (v << 8) | (src[offset + i] & 0xFF);
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof EngineBlockHash h)) {
            return false;
        }
        return bytes == null ? h.bytes == null && h.value == value : Arrays.equals(bytes, h.bytes);
    }

    @Override
    public int hashCode() {
        return bytes == null ? Long.hashCode(value) : Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return bytes == null ? "int:" + Long.toUnsignedString(value) : "bytes:" + HexFormat.of().formatHex(bytes);
    }
}
