package io.spillway.placement.routing;

import io.spillway.placement.index.BlockLocationIndex;
import io.spillway.placement.index.Location;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Speculative entries: the blocks of a prompt just routed to a pod, entered in the index as that pod's ({@link
 * Location#routed}) until its own KV events say so, as llm-d's precise scorer does with speculative indexing. A
 * pod's events name a block only once its prefill has run; until then a precise index cannot see a prompt waiting
 * in the pod's queue, and a burst of prompts sharing a prefix scatters over the pods.
 *
 * <p>A decision's entries leave a {@linkplain #GRACE_NANOS grace} after the pod starts answering ({@link
 * Ticket#answered}: its prefill has run and its events follow within milliseconds), or after {@code ttl} when no
 * answer is seen (a gateway's request, a lost one). A block another live decision also sent to that pod stays until
 * that one leaves too. Confirmed blocks are the pod's own entries, apart from these, so an entry that leaves never
 * takes a confirmed block with it, and one that lingers after the pod evicted the block misleads for the grace only.
 * Memory is bounded: when more than {@code maxKeys} keys are held, the decisions due first leave early
 * ({@link #evictions()} counts them), so a flood of distinct prompts cannot grow the map or the index past it.
 * Thread-safe: one lock.
 */
public final class SpeculativeBlocks {
    /** How long entries stay after their pod starts answering: its KV events' way to the index. */
    public static final long GRACE_NANOS = 1_000_000_000L;

    /** One decision's entries. */
    public final class Ticket {
        private final int location;
        private final long[] his;
        private final long[] los;
        private long deadline;
        private boolean gone;

        private Ticket(int location, long[] his, long[] los, long deadline) {
            this.location = location;
            this.his = his;
            this.los = los;
            this.deadline = deadline;
        }

        /** The pod started answering at {@code nowNanos} (or failed to): the entries leave after the grace. */
        public void answered(long nowNanos) {
            synchronized (SpeculativeBlocks.this) {
                if (!gone && nowNanos + GRACE_NANOS < deadline) {
                    due.remove(this);
                    deadline = nowNanos + GRACE_NANOS;
                    due.add(this);
                }
                expire(nowNanos);
            }
        }
    }

    /** A key at a routed location. */
    private record Held(int location, long hi, long lo) {
    }

    private final BlockLocationIndex index;
    private final long ttlNanos;
    private final int maxKeys;
    private long evictions;
    private final PriorityQueue<Ticket> due = new PriorityQueue<>(Comparator.comparingLong(t -> t.deadline));
    /** Per key and routed location, how many live decisions entered it. */
    private final Map<Held, Integer> holders = new HashMap<>();

    /** Without a bound of its own: at most {@link #DEFAULT_MAX_KEYS} keys. */
    public SpeculativeBlocks(BlockLocationIndex index, long ttlNanos) {
        this(index, ttlNanos, DEFAULT_MAX_KEYS);
    }

    /** @param maxKeys keys held at most (counted once per pod); beyond it the decisions due first leave */
    public SpeculativeBlocks(BlockLocationIndex index, long ttlNanos, int maxKeys) {
        if (ttlNanos <= 0) {
            throw new IllegalArgumentException("a speculative entry's time to live must be > 0, got " + ttlNanos
                + " ns");
        }
        if (maxKeys < 1) {
            throw new IllegalArgumentException("speculative entries' bound must be >= 1 key, got " + maxKeys);
        }
        this.index = index;
        this.ttlNanos = ttlNanos;
        this.maxKeys = maxKeys;
    }

    /** The bound when none is given: a million keys (about 100 MB of map entries). */
    public static final int DEFAULT_MAX_KEYS = 1_000_000;

    /**
     * The first {@code count} keys of a prompt go to pod {@code podId} at {@code nowNanos} (on one clock for all
     * calls: {@link System#nanoTime()}, or virtual time); entries due by then leave first.
     */
    public synchronized Ticket routed(String podId, long[] his, long[] los, int count, long nowNanos) {
        expire(nowNanos);
        int location = index.location(Location.routed(podId));
        int n = Math.max(0, count);
        Ticket ticket = new Ticket(location, Arrays.copyOf(his, n), Arrays.copyOf(los, n), nowNanos + ttlNanos);
        if (n > 0) {
            index.addAll(location, ticket.his, ticket.los, n);
        }
        for (int k = 0; k < n; k++) {
            holders.merge(new Held(location, ticket.his[k], ticket.los[k]), 1, Integer::sum);
        }
        due.add(ticket);
        while (holders.size() > maxKeys && !due.isEmpty()) {
            Ticket early = due.poll();
            early.gone = true;
            withdraw(early);
            evictions++;
        }
        return ticket;
    }

    /**
     * The request {@code ticket} stands for was served by pod {@code podId}, not the one it was routed to (a gateway
     * fell back down the decision's list): its entries leave the first pod and enter {@code podId}'s, keeping their
     * deadline. Returns the ticket that holds them now ({@code ticket} itself when it has left or names that pod).
     */
    public synchronized Ticket moveTo(Ticket ticket, String podId, long nowNanos) {
        int location = index.location(Location.routed(podId));
        if (ticket.gone || ticket.location == location) {
            return ticket;
        }
        due.remove(ticket);
        ticket.gone = true;
        withdraw(ticket);
        Ticket moved = new Ticket(location, ticket.his, ticket.los, ticket.deadline);
        if (moved.his.length > 0) {
            index.addAll(location, moved.his, moved.los, moved.his.length);
        }
        for (int k = 0; k < moved.his.length; k++) {
            holders.merge(new Held(location, moved.his[k], moved.los[k]), 1, Integer::sum);
        }
        due.add(moved);
        expire(nowNanos);
        return moved;
    }

    /** Takes out the entries whose time is up at {@code nowNanos}. */
    public synchronized void expire(long nowNanos) {
        while (!due.isEmpty() && due.peek().deadline <= nowNanos) {
            Ticket t = due.poll();
            t.gone = true;
            withdraw(t);
        }
    }

    /** Takes {@code t}'s entries out of the index, but for keys another live decision holds there too. */
    private void withdraw(Ticket t) {
        for (int k = 0; k < t.his.length; k++) {
            Held held = new Held(t.location, t.his[k], t.los[k]);
            Integer left = holders.merge(held, -1, Integer::sum);
            if (left != null && left <= 0) {
                holders.remove(held);
                index.remove(t.his[k], t.los[k], t.location);
            }
        }
    }

    /** Keys held speculatively now, counted once per pod. */
    public synchronized int size() {
        return holders.size();
    }

    /** Decisions whose entries left early because more than {@code maxKeys} keys were held. */
    public synchronized long evictions() {
        return evictions;
    }

    /** Decisions whose entries have not left. */
    public synchronized int live() {
        return due.size();
    }
}
