package io.spillway.server.events;

import io.spillway.key.BlockKey;
import io.spillway.tier.TierKind;
import io.spillway.tier.TierListener;
import java.nio.ByteOrder;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.agrona.BitUtil;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.agrona.concurrent.ringbuffer.RingBuffer;

/**
 * The data path's side of the feed: tiers call {@link #onChange} and the key goes into a bounded many-to-one ring
 * (a claim, two stores and a commit; never a lock, never a wait). The publisher agent drains it. When the ring is
 * full the mark is dropped and counted: the publisher then declares a gap, so subscribers reload a snapshot instead
 * of missing the change.
 */
public final class ChangeMarks implements TierListener {
    private static final int MARK_LENGTH = 16;
    /** A mark's record in the ring: the ring's 8-byte record header and the key, on the ring's 8-byte alignment. */
    static final int MARK_RECORD_BYTES = BitUtil.align(
        RecordDescriptor.HEADER_LENGTH + MARK_LENGTH,
        RecordDescriptor.ALIGNMENT);

    private final ManyToOneRingBuffer ring;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong droppedSeen = new AtomicLong();
    /** The publisher's thread while it sleeps waiting for marks, else null: the first mark wakes it. */
    private final AtomicReference<Thread> sleeper =
        new AtomicReference<>();

    /** A ring of {@code bytes} (rounded down to a power of two); each mark takes {@link #MARK_RECORD_BYTES} (24) of it. */
    public ChangeMarks(int bytes) {
        int capacity = Integer.highestOneBit(bytes);
        ByteBuffer memory = ByteBuffer.allocateDirect(capacity + RingBufferDescriptor.TRAILER_LENGTH);
        ring = new ManyToOneRingBuffer(new UnsafeBuffer(memory));
    }

    @Override
    public void onChange(TierKind tier, BlockKey key) {
        int index = ring.tryClaim(tier.ordinal() + 1, MARK_LENGTH);
        if (index < 0) {
            dropped.incrementAndGet();
            return;
        }
        ring.buffer().putLong(index, key.hi(), ByteOrder.LITTLE_ENDIAN);
        ring.buffer().putLong(index + 8, key.lo(), ByteOrder.LITTLE_ENDIAN);
        ring.commit(index);
        if (sleeper.get() != null) { // a plain read on the data path; a wake-up only while the publisher sleeps
            Thread t = sleeper.getAndSet(null);
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
    }

    /**
     * Sleeps the calling thread (the publisher's) for up to {@code nanos}, or until a mark is written: arm, look
     * again, park. A mark committed after the look finds the thread armed and wakes it, so none waits out the sleep.
     */
    void sleepUntilMarked(long nanos) {
        Thread self = Thread.currentThread();
        sleeper.set(self);
        if (ring.size() == 0) {
            LockSupport.parkNanos(this, nanos);
        }
        sleeper.compareAndSet(self, null);
    }

    /** Moves up to {@code limit} marks into {@code pending}, stopping early when it is full; returns how many. */
    int drainInto(PendingKeys pending, int limit) {
        return ring.controlledRead((type, buffer, index, length) -> {
            long hi = buffer.getLong(index, ByteOrder.LITTLE_ENDIAN);
            long lo = buffer.getLong(index + 8, ByteOrder.LITTLE_ENDIAN);
            return pending.mark(hi, lo, 1 << (type - 1))
                ? ControlledMessageHandler.Action.CONTINUE
                : ControlledMessageHandler.Action.ABORT;
        }, limit);
    }

    /** Marks dropped since the last call (the ring was full): each batch of drops must become a gap. */
    long takeDropped() {
        long total = dropped.get();
        return total - droppedSeen.getAndSet(total);
    }

    /** Marks dropped because the ring was full, since creation. */
    public long droppedTotal() {
        return dropped.get();
    }

    /** Marks waiting in the ring. */
    public int waiting() {
        return ring.size() / MARK_RECORD_BYTES;
    }

    RingBuffer ring() {
        return ring;
    }
}
