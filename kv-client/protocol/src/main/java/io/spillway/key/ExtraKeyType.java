package io.spillway.key;

/** The type tags of extra-key entries (docs/block-keys.md, "Extra keys"); entries sort by tag. */
final class ExtraKeyType {
    static final byte LORA = 0x01;
    static final byte CACHE_SALT = 0x02;
    static final byte MULTIMODAL = 0x03;
    static final byte PROMPT_EMBEDS = 0x04;

    /** Bytes before an entry's payload: one type byte and a u32 payload length. */
    static final int ENTRY_HEADER_BYTES = 5;

    private ExtraKeyType() {
    }

    /** Encodes one entry: {@code u8 type ‖ u32 LE payload length ‖ payload}. */
    static byte[] entry(byte type, byte[] payload) {
        byte[] e = new byte[ENTRY_HEADER_BYTES + payload.length];
        e[0] = type;
        KeyBytes.putU32(e, 1, payload.length);
        System.arraycopy(payload, 0, e, ENTRY_HEADER_BYTES, payload.length);
        return e;
    }
}
