package io.spillway.server.events;

import io.spillway.event.BlockOp;
import io.spillway.event.EventEncoder;
import io.spillway.event.EventMessage;
import io.spillway.event.EventType;
import io.spillway.event.NodeLoad;
import io.spillway.tier.TierKind;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;

/**
 * The feed's publisher agent (docs/events.md): drains the data path's change marks into the {@link PendingKeys},
 * and for each waiting key reads what the tiers hold now and publishes that — stored, removed, or moved when one tier
 * lost it and the other gained it. Because a key is published as it is when the agent gets to it, and every change
 * is followed by a mark, a subscriber that applies the messages in order ends with the node's true block set however
 * the marks raced; repeated changes of a waiting key coalesce into one entry.
 *
 * <p>Every message carries the session id (new on each start) and the next sequence number. When marks are lost (the
 * ring was full) the agent skips a sequence number: subscribers see a gap and reload a snapshot, which is always
 * tagged with {@link #lastSequence()}, read before the tiers are listed. Heartbeats every interval carry the node's
 * identity and load. Publishing never blocks: back pressure leaves the message in the {@link Outbox} and keys keep
 * coalescing.
 */
public final class EventPublisher implements Agent {
    private static final int DRAIN_LIMIT = 4096;
    private static final int MESSAGES_PER_CYCLE = 16;
    /** STORED CPU, STORED NVME, REMOVED CPU, REMOVED NVME, MOVED CPU→NVME, MOVED NVME→CPU. */
    private static final int CLASSES = 6;

    private final long sessionId;
    private final ChangeMarks marks;
    private final PendingKeys pending;
    private final Outbox outbox;
    private final HoldingView tiers;
    private final IntFunction<NodeLoad> load;
    private final FeedTap tap;
    private final EpochNanoClock epochClock;
    private final NanoClock nanoClock;
    private final long heartbeatIntervalNanos;
    private final int maxKeys;
    private final EventEncoder encoder = new EventEncoder();
    private final long[][] his = new long[CLASSES][];
    private final long[][] los = new long[CLASSES][];
    private final int[] counts = new int[CLASSES];
    private long sequence;
    private volatile long lastSequence;
    private long nextHeartbeat;
    private boolean joined;
    private volatile long messages;
    private volatile long keys;
    private volatile long gaps;

    /**
     * @param maxMessageBytes the largest message the publications take whole (one MTU's payload)
     * @param load          the node's load for a heartbeat, given the keys waiting here
     * @param tap           sees each published batch ({@code null}: none)
     */
    public EventPublisher(long sessionId, ChangeMarks marks, int pendingKeys, Outbox outbox, int maxMessageBytes,
                          HoldingView tiers, IntFunction<NodeLoad> load, FeedTap tap, long heartbeatIntervalMillis,
                          EpochNanoClock epochClock, NanoClock nanoClock) {
        this.sessionId = sessionId;
        this.marks = marks;
        this.pending = new PendingKeys(pendingKeys);
        this.outbox = outbox;
        this.tiers = tiers;
        this.load = load;
        this.tap = tap;
        this.epochClock = epochClock;
        this.nanoClock = nanoClock;
        this.heartbeatIntervalNanos = TimeUnit.MILLISECONDS.toNanos(heartbeatIntervalMillis);
        this.maxKeys = (maxMessageBytes - EventMessage.HEADER_LENGTH - CLASSES * EventMessage.GROUP_HEADER_LENGTH)
            / EventMessage.KEY_LENGTH;
        if (maxKeys < 1) {
            throw new IllegalArgumentException("messages of " + maxMessageBytes + " bytes cannot hold a key");
        }
        for (int c = 0; c < CLASSES; c++) {
            his[c] = new long[maxKeys];
            los[c] = new long[maxKeys];
        }
    }

    public long sessionId() {
        return sessionId;
    }

    /**
     * The sequence number of the last message built (or skipped for a gap): every change a subscriber learns of up to
     * it was read from the tiers before this call returned, so a snapshot listed after it reflects them all.
     */
    public long lastSequence() {
        return lastSequence;
    }

    public long messages() {
        return messages;
    }

    public long keysPublished() {
        return keys;
    }

    /** Sequence numbers skipped because change marks were lost. */
    public long gaps() {
        return gaps;
    }

    public int pendingKeys() {
        return pending.size();
    }

    public long coalesced() {
        return pending.coalesced();
    }

    public long backPressured() {
        return outbox.backPressured();
    }

    /** Messages no subscriber was connected to receive. */
    public long notConnected() {
        return outbox.notConnected();
    }

    @Override
    public void onStart() {
        nextHeartbeat = nanoClock.nanoTime();
    }

    /**
     * Whether the agent may sleep until the next change mark or heartbeat: nothing waits to be published, and no
     * message waits for a publication to take it (that needs a retry soon, not a mark).
     */
    boolean canSleep() {
        return pending.size() == 0 && !outbox.busy() && joined;
    }

    /** How long until the next heartbeat is due, at least 0. */
    long nanosToHeartbeat() {
        return Math.max(0, nextHeartbeat - nanoClock.nanoTime());
    }

    @Override
    public int doWork() {
        int work = 0;
        if (outbox.busy() && !outbox.offer()) {
            return marks.drainInto(pending, DRAIN_LIMIT); // back pressure: keep coalescing, publish nothing new
        }
        work += marks.drainInto(pending, DRAIN_LIMIT);
        if (marks.takeDropped() > 0) {
            sequence++; // marks were lost: a gap sends every subscriber to a snapshot, which covers them
            lastSequence = sequence;
            gaps++;
        }
        long now = nanoClock.nanoTime();
        if (!joined || now - nextHeartbeat >= 0) {
            status(joined ? EventType.HEARTBEAT : EventType.NODE_JOINED);
            joined = true;
            nextHeartbeat = now + heartbeatIntervalNanos;
            work++;
            if (!outbox.offer()) {
                return work;
            }
        }
        for (int m = 0; m < MESSAGES_PER_CYCLE && pending.size() > 0; m++) {
            blocks();
            work++;
            if (!outbox.offer()) {
                break;
            }
        }
        return tap == null ? work : work + tap.doWork();
    }

    /**
     * Builds one BLOCKS message from waiting keys, as the tiers hold them now: as many keys as fit {@link #maxKeys}
     * entries (a key changed in both tiers and held by both, or by neither, is an entry in each tier's group).
     */
    private void blocks() {
        Arrays.fill(counts, 0);
        int n = 0;
        int entries = 0;
        while (pending.size() > 0 && entries + 2 <= maxKeys) { // a key changed in both tiers may take two entries
            n++;
            long hi = pending.headHi();
            long lo = pending.headLo();
            int bits = pending.pollHead();
            boolean cpuChanged = (bits & 1) != 0;
            boolean nvmeChanged = (bits & 2) != 0;
            boolean cpu = cpuChanged && tiers.holds(TierKind.CPU, hi, lo);
            boolean nvme = nvmeChanged && tiers.holds(TierKind.NVME, hi, lo);
            if (cpuChanged && nvmeChanged && cpu != nvme) {
                add(cpu ? 5 : 4, hi, lo); // one tier lost it, the other gained it
                entries++;
                continue;
            }
            if (cpuChanged) {
                add(cpu ? 0 : 2, hi, lo);
                entries++;
            }
            if (nvmeChanged) {
                add(nvme ? 1 : 3, hi, lo);
                entries++;
            }
        }
        encoder.wrap(outbox.buffer, 0, outbox.buffer.capacity())
            .header(EventType.BLOCKS, sessionId, ++sequence, epochClock.nanoTime());
        group(BlockOp.STORED, TierKind.CPU, null, 0);
        group(BlockOp.STORED, TierKind.NVME, null, 1);
        group(BlockOp.REMOVED, TierKind.CPU, null, 2);
        group(BlockOp.REMOVED, TierKind.NVME, null, 3);
        group(BlockOp.MOVED, TierKind.CPU, TierKind.NVME, 4);
        group(BlockOp.MOVED, TierKind.NVME, TierKind.CPU, 5);
        outbox.load(encoder.finish());
        lastSequence = sequence;
        messages++;
        keys += n;
        if (tap != null) {
            tapBatch();
        }
    }

    private void add(int cls, long hi, long lo) {
        int i = counts[cls]++;
        his[cls][i] = hi;
        los[cls][i] = lo;
    }

    private void group(BlockOp op, TierKind tier, TierKind to, int cls) {
        int n = counts[cls];
        if (n == 0) {
            return;
        }
        encoder.beginGroup(op, tier, to);
        long[] h = his[cls];
        long[] l = los[cls];
        for (int i = 0; i < n; i++) {
            encoder.key(h[i], l[i]);
        }
    }

    private void tapBatch() {
        tap.removed(TierKind.CPU, his[2], los[2], counts[2]);
        tap.removed(TierKind.NVME, his[3], los[3], counts[3]);
        tap.removed(TierKind.CPU, his[4], los[4], counts[4]);
        tap.removed(TierKind.NVME, his[5], los[5], counts[5]);
        tap.stored(TierKind.CPU, his[0], los[0], counts[0]);
        tap.stored(TierKind.NVME, his[1], los[1], counts[1]);
        tap.stored(TierKind.NVME, his[4], los[4], counts[4]);
        tap.stored(TierKind.CPU, his[5], los[5], counts[5]);
    }

    private void status(EventType type) {
        NodeLoad l = load.apply(pending.size());
        int length = encoder.wrap(outbox.buffer, 0, outbox.buffer.capacity())
            .header(type, sessionId, ++sequence, epochClock.nanoTime()).status(l).finish();
        outbox.load(length);
        lastSequence = sequence;
        messages++;
    }

    /**
     * Publishes the session's end — the CPU tier cleared, then the node left — waiting up to {@code timeoutMillis}
     * for back pressure to clear. Called on the agent's thread (by its runner's close, or by the test that drives it).
     */
    public void leave(String nodeId, long timeoutMillis) {
        long deadline = nanoClock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        if (!flush(deadline)) {
            return;
        }
        int length = encoder.wrap(outbox.buffer, 0, outbox.buffer.capacity())
            .header(EventType.CLEARED, sessionId, ++sequence, epochClock.nanoTime()).cleared(TierKind.CPU).finish();
        outbox.load(length);
        lastSequence = sequence;
        if (tap != null) {
            tap.cleared(TierKind.CPU);
        }
        if (!flush(deadline)) {
            return;
        }
        length = encoder.wrap(outbox.buffer, 0, outbox.buffer.capacity())
            .header(EventType.NODE_LEFT, sessionId, ++sequence, epochClock.nanoTime()).nodeLeft(nodeId).finish();
        outbox.load(length);
        lastSequence = sequence;
        flush(deadline);
    }

    private boolean flush(long deadline) {
        while (!outbox.offer()) {
            if (nanoClock.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }

    @Override
    public String roleName() {
        return "spillway-event-publisher";
    }
}
