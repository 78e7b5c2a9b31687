package io.spillway.event.vllm;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;

/**
 * Coverage-guided fuzzing of {@link VllmEventDecoder} with the router's limits (docs/security.md, "Fuzzing"):
 * whatever msgpack a vLLM pod's KV-event socket sends, {@link VllmEventDecoder#decode} returns a batch or throws
 * {@link VllmDecodeException} with its reason, never another exception (its class comment promises that); a batch
 * holds no more events than the limit, and one the encoder can write reads back equal in both encodings; and what
 * decoding allocates is bounded by the payload's real size, never by a count or length it claims. Plain
 * {@code mvn test} replays the corpus in {@code VllmEventDecoderFuzzTestInputs} (payloads that vLLM's own msgspec
 * encoder wrote); {@code mvn verify} fuzzes.
 */
class VllmEventDecoderFuzzTest {
    /** Heap one decode may use beyond {@link #BYTES_PER_INPUT_BYTE}. */
    static final long FIXED_ALLOCATION_BYTES = 64 * 1024;
    /**
     * Heap per payload byte: a one-byte msgpack value may become an object (a block hash, an extra key) or, for an
     * event that breaks a rule, a {@link VllmEvent.Rejected} with its message and the exception that named it. Measured
     * under Jazzer's instrumentation, which multiplies what the thread allocates about tenfold: payloads of rejected
     * events cost 0.4 to 0.9 KB per byte plain and 4.2 to 4.5 KB instrumented (three clean-clone runs tripped the old
     * 4 KiB bound on such inputs, kept in the corpus); an allocation that follows a claimed count grows with the
     * count, so it still crosses this bound or the fuzzing JVM's 256 MiB heap.
     */
    static final long BYTES_PER_INPUT_BYTE = 16 * 1024;

    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    private final VllmEventDecoder decoder = new VllmEventDecoder();

    @FuzzTest(maxExecutions = 1_000_000)
    void decodesBatches(byte[] payload) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        VllmEventBatch batch = decodeOrNull(payload);
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        long bound = FIXED_ALLOCATION_BYTES + BYTES_PER_INPUT_BYTE * payload.length;
        if (allocated > bound) { // again, warm: what a first use costs once (class loading) is not the input's
            before = THREADS.getCurrentThreadAllocatedBytes();
            decodeOrNull(payload);
            allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            if (allocated > bound) {
                throw new AssertionError("decoding " + payload.length + " bytes allocated " + allocated
                    + " bytes, over " + bound + ": an allocation follows a count or length the payload claims");
            }
        }
        if (batch != null) {
            checkBatch(batch);
        }
    }

    /** The batch, or null for a {@link VllmDecodeException} with its reason and message. */
    private VllmEventBatch decodeOrNull(byte[] payload) {
        try {
            return decoder.decode(payload);
        } catch (VllmDecodeException e) {
            if (e.reason() == null || e.getMessage() == null || e.getMessage().isEmpty()) {
                throw new AssertionError("a decode error without a reason or a message", e);
            }
            return null;
        }
    }

    private void checkBatch(VllmEventBatch batch) {
        if (batch.events().size() > decoder.limits().maxEvents()) {
            throw new AssertionError(batch.events().size() + " events, over the limit");
        }
        for (VllmEventEncoder.EventFormat format : VllmEventEncoder.EventFormat.values()) {
            byte[] written;
            try {
                written = VllmEventEncoder.encode(batch, format);
            } catch (IllegalArgumentException e) {
                return; // an event the encoder has nothing to write for (unknown, rejected, an opaque extra key)
            }
            VllmEventBatch again = decoder.decode(written);
            if (!again.equals(batch)) {
                throw new AssertionError("a decoded batch written again as " + format + " reads back as " + again
                    + ", not " + batch);
            }
        }
    }
}
