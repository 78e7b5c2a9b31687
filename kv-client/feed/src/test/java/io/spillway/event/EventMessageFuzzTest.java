package io.spillway.event;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.sun.management.ThreadMXBean;
import io.spillway.tier.TierKind;
import java.lang.management.ManagementFactory;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Coverage-guided fuzzing of the block-location feed's message decoder, {@link EventMessage} with
 * {@link NodeStatus}, as {@code FeedSubscriber} uses it on every Aeron fragment (docs/security.md, "Fuzzing"):
 * {@link EventMessage#validate()} answers {@code null} or why the message is refused, never throws; a message it
 * accepts can be read whole, every accessor the subscriber calls for its type staying inside the fragment (the
 * fragment sits at an offset in its buffer and ends with it, so a read past either end throws); and neither
 * allocates more than the fragment's real size allows. Plain {@code mvn test} replays the corpus in
 * {@code EventMessageFuzzTestInputs} (messages {@link EventEncoder} wrote); {@code mvn verify} fuzzes.
 */
class EventMessageFuzzTest {
    /** Where the fragment starts in its buffer, as a fragment sits in an Aeron term buffer. */
    static final int FRAGMENT_OFFSET = 8;
    static final long FIXED_ALLOCATION_BYTES = 16 * 1024;
    /** Per fragment byte: a name is read as a byte array and a String; a tier as a TierLoad. */
    static final long BYTES_PER_INPUT_BYTE = 16;

    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    private final EventMessage message = new EventMessage();
    private long keyBits;

    @FuzzTest(maxExecutions = 1_000_000)
    void decodesFeedMessages(byte[] fragment) {
        byte[] term = new byte[FRAGMENT_OFFSET + fragment.length];
        System.arraycopy(fragment, 0, term, FRAGMENT_OFFSET, fragment.length);
        UnsafeBuffer buffer = new UnsafeBuffer(term);
        long allocated = decode(buffer, fragment.length);
        long bound = FIXED_ALLOCATION_BYTES + BYTES_PER_INPUT_BYTE * fragment.length;
        if (allocated > bound && decode(buffer, fragment.length) > bound) { // again, warm: not a first use's cost
            throw new AssertionError("decoding " + fragment.length + " bytes allocated over " + bound + " bytes");
        }
    }

    /** Validates the fragment and reads what is valid as the subscriber would; returns the bytes allocated. */
    private long decode(UnsafeBuffer buffer, int length) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        String why = message.wrap(buffer, FRAGMENT_OFFSET, length).validate();
        if (why == null) {
            readAsTheSubscriberDoes();
        } else if (why.isEmpty()) {
            throw new AssertionError("a refusal without a reason");
        }
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }

    private void readAsTheSubscriberDoes() {
        keyBits ^= message.sessionId() ^ message.sequence() ^ message.timestampNanos();
        EventType type = message.type();
        if (type == null) {
            throw new AssertionError("an accepted message of unknown type " + message.typeCode());
        }
        switch (type) {
            case BLOCKS -> {
                int keys = message.forEachGroup((op, tier, to, buf, at, count) -> {
                    if (op == null || tier == null || (op == BlockOp.MOVED) != (to != null) || count < 1) {
                        throw new AssertionError("an accepted group " + op + " " + tier + " -> " + to + " of "
                            + count + " keys");
                    }
                    for (int i = 0; i < count; i++) {
                        keyBits ^= EventMessage.keyHi(buf, at + EventMessage.KEY_LENGTH * i)
                            ^ EventMessage.keyLo(buf, at + EventMessage.KEY_LENGTH * i);
                    }
                });
                if (keys < 1) {
                    throw new AssertionError("an accepted BLOCKS message without keys");
                }
            }
            case HEARTBEAT, NODE_JOINED -> {
                NodeLoad load = message.status().toLoad();
                if (load.nodeId().isEmpty() || load.controlHost().isEmpty()) {
                    throw new AssertionError("an accepted status without its names: " + load);
                }
            }
            case NODE_LEFT -> {
                if (message.leftNodeId().isEmpty()) {
                    throw new AssertionError("an accepted NODE_LEFT without a node id");
                }
            }
            case CLEARED -> {
                TierKind tier = message.clearedTier();
                keyBits ^= tier == null ? -1 : tier.ordinal();
            }
            default -> throw new AssertionError("an accepted message of type " + type);
        }
    }
}
