package io.spillway.event.vllm;

/**
 * vLLM's KV-event wire constants and the 8-byte sequence frame (docs/events-vllm.md).
 *
 * <p>A publisher sends each {@code EventBatch} as a three-frame ZMQ message on a PUB socket:
 * {@code topic ‖ seq (8 bytes, big-endian) ‖ msgpack payload}. Its replay socket (ROUTER) takes a request
 * {@code [empty delimiter, start seq (8 bytes, big-endian)]} from a DEALER (the ROUTER adds the identity frame in
 * front) and answers with one {@code [empty delimiter, seq, payload]} message per buffered batch with
 * {@code seq >= start}, then {@code [empty delimiter, -1 (8 bytes, all ones), empty payload]}.
 */
public final class VllmWire {
    /** Tag of a {@code BlockStored} event (msgspec {@code tag=True}: the class name). */
    public static final String BLOCK_STORED = "BlockStored";
    /** Tag of a {@code BlockRemoved} event. */
    public static final String BLOCK_REMOVED = "BlockRemoved";
    /** Tag of an {@code AllBlocksCleared} event. */
    public static final String ALL_BLOCKS_CLEARED = "AllBlocksCleared";
    /** The key holding the tag in the map encoding (msgspec's default {@code tag_field}). */
    public static final String TAG_FIELD = "type";

    /** The sequence number of the replay socket's end marker. */
    public static final long END_OF_REPLAY = -1;
    /** Bytes of a sequence frame. */
    public static final int SEQ_BYTES = 8;

    /** vLLM's medium for its own device cache (also what an absent medium means). */
    public static final String MEDIUM_GPU = "GPU";
    /** vLLM's medium for CPU offload ({@code CPULoadStoreSpec.medium()}); Spillway's CPU tier. */
    public static final String MEDIUM_CPU = "CPU";
    /** vLLM's medium for offloading to storage (its {@code MEDIUM_STORAGE}, vLLM 0.34); Spillway's NVMe tier. */
    public static final String MEDIUM_STORAGE = "STORAGE";
    /** The name Spillway wrote for its NVMe tier before vLLM named storage; still read as storage. */
    public static final String MEDIUM_DISK = "DISK";

    /** {@code locality} of a medium that belongs to the publishing instance (vLLM 0.34). */
    public static final String LOCALITY_LOCAL = "LOCAL";
    /** {@code locality} of a medium outside the publishing instance, e.g. a shared file system (vLLM 0.34). */
    public static final String LOCALITY_REMOTE = "REMOTE";

    private VllmWire() {
    }

    /** {@code seq} as a sequence frame. */
    public static byte[] seqBytes(long seq) {
        byte[] b = new byte[SEQ_BYTES];
        for (int i = SEQ_BYTES - 1; i >= 0; i--) {
            b[i] = (byte) seq;
            seq >>>= 8;
        }
        return b;
    }

    /**
     * Reads a sequence frame.
     *
     * @throws VllmDecodeException when the frame is missing or not 8 bytes
     */
    public static long readSeq(byte[] frame) {
        if (frame == null || frame.length != SEQ_BYTES) {
            throw new VllmDecodeException(VllmDecodeException.Reason.MALFORMED,
                "sequence frame: expected " + SEQ_BYTES + " bytes, got " + (frame == null ? "none" : frame.length));
        }
        long v = 0;
        for (byte b : frame) {
            v = (v << 8) | (b & 0xFF);
        }
        return v;
    }
}
