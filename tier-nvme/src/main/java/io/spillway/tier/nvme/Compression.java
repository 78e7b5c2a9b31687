package io.spillway.tier.nvme;

/**
 * How the NVMe tier compresses a block before storing it. Whatever the choice, a block whose compressed form is not
 * smaller than its raw bytes is stored uncompressed, so incompressible KV bytes cost nothing but the attempt.
 */
public enum Compression {
    /** Stored as given. */
    NONE(0),
    /** LZ4 (fast mode) over the raw bytes. Gains little on bf16/fp16 KV bytes. */
    LZ4(1),
    /**
     * Byte-shuffle for 2-byte elements (all even bytes, then all odd bytes), then LZ4. Groups the exponent-carrying
     * high bytes of bf16/fp16 values together, which LZ4 then finds repetitive.
     */
    LZ4_SHUFFLE2(2);

    private final int flag;

    Compression(int flag) {
        this.flag = flag;
    }

    /** The value stored in the low bits of a record's flags byte. */
    int flag() {
        return flag;
    }

    /** The compression a record's flag names, or {@code null} for an unknown flag. */
    static Compression fromFlag(int flag) {
        for (Compression c : values()) {
            if (c.flag == flag) {
                return c;
            }
        }
        return null;
    }
}
