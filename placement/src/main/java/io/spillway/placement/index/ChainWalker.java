package io.spillway.placement.index;

import java.util.Arrays;

/**
 * What {@link BlockLocationIndex#walk} tells, key by key along a chain: how each key's locations differ from the key
 * before's. Consecutive keys of a prompt are mostly held in the same places, so a walker that keeps counts per
 * location (or per whatever locations stand for) pays per key a lookup and a vectorised comparison of the two id
 * lists ({@link Arrays#mismatch}), plus a step for each id that differs, whatever the number of locations.
 *
 * <p>For key {@code k}: {@link #enter} for each id it has that key {@code k - 1} lacks (for the first key, each of its
 * ids), then {@link #leave} for each id key {@code k - 1} had that it lacks (for a key the index lacks, every id of
 * the key before), then {@link #next}. Every entry of a key comes before its leaves, so a count per location that
 * reaches 0 in a leave is that key's. Ids are as the index stores them: retired ones included (ask {@link
 * LocationTable} which are live).
 *
 * <p>A walk reads optimistically: a key may come from a table a concurrent write is changing, when ids can be any
 * int (the walker must not fail on them), and when a write overlapped, the walk starts over under the read locks,
 * with {@link #start} again. One walker per thread: it holds the walk's scratch.
 */
public abstract class ChainWalker {
    /** The most keys {@link BlockLocationIndex#walk} reads ahead. */
    static final int BATCH = 64;

    /** A batch's location words and shards (scratch of the walk). */
    final long[] words = new long[BATCH];
    final int[] shardAt = new int[BATCH];
    private long[] stamps = new long[1];
    private int[][] pools = new int[1][];
    /** Inline ids of a key copied to a list, for comparison with a pooled key's list (alternating). */
    private int[] lanes = new int[Lanes.INLINE];
    private int[] previousLanes = new int[Lanes.INLINE];
    /** The previous key's ids: {@code previous[previousFrom..previousTo)}, unless {@link #previousInline}. */
    private int[] previous = lanes;
    private int previousFrom;
    private int previousTo;
    /**
     * Whether the previous key's ids are the inline word {@link #previousWord} (0: no ids), not yet copied into
     * {@link #previous}: two inline keys in a row are compared as words, and are copied only when a pooled key follows.
     */
    private boolean previousInline = true;
    private long previousWord;
    /** Ids of the previous key that the current one lacks, left after the entries (scratch). */
    private int[] gone = new int[16];

    /** Called before the first key of a walk; again when a walk starts over. */
    protected abstract void start();

    /** Key {@code k} has {@code id}, which key {@code k - 1} lacks. */
    protected abstract void enter(int id, int k);

    /** Key {@code k} lacks {@code id}, which key {@code k - 1} had. */
    protected abstract void leave(int id, int k);

    /** Key {@code k}'s changes are told; returns whether to go on to key {@code k + 1}. */
    protected abstract boolean next(int k);

    final void begin() {
        previousFrom = 0;
        previousTo = 0;
        previousInline = true;
        previousWord = 0;
        start();
    }

    /**
     * Tells key {@code k}, whose location word is {@code word} (0 for a key the index lacks) with pool {@code pool};
     * returns {@link #next}'s answer.
     */
    final boolean step(int k, long word, int[] pool) {
        if (word == 0 || Lanes.isInline(word)) {
            if (previousInline) {
                if (word != previousWord) {
                    diffWords(k, word, previousWord);
                    previousWord = word;
                }
                return next(k);
            }
            int[] scratch = previous == lanes ? previousLanes : lanes; // after a pooled key: compared as lists
            diff(k, scratch, 0, copyLanes(word, scratch));
            previousInline = true;
            previousWord = word;
            return next(k);
        }
        if (previousInline) { // the previous key's ids as a list, for the comparison with this pooled one
            int[] scratch = previous == lanes ? previousLanes : lanes;
            previousTo = copyLanes(previousWord, scratch);
            previousFrom = 0;
            previous = scratch;
            previousInline = false;
        }
        int from = (int) Lanes.offset(word) + LocationPool.HEADER;
        int to = from + Math.min(KeyTable.idCount(word, pool), BlockLocationIndex.MAX_LOCATION_ID);
        if (to == from) {
            from = 0; // a torn offset: no ids
            to = 0;
        }
        diff(k, pool, from, to);
        previous = pool;
        previousFrom = from;
        previousTo = to;
        return next(k);
    }

    /**
     * Copies an inline word's ids into {@code into} and returns how many; the word of a key the index lacks (0) has
     * none.
     */
    private static int copyLanes(long word, int[] into) {
        int n = word == 0 ? 0 : Lanes.count(word);
        for (int lane = 0; lane < n; lane++) {
            into[lane] = Lanes.id(word, lane);
        }
        return n;
    }

    /**
     * The comparison of two inline words (or 0s), lane by lane in registers: enters each id of {@code word} that
     * {@code before} lacks, then leaves each id of {@code before} that {@code word} lacks. With ids repeated in a word
     * (a torn read only), the counts may differ from the list comparison's; the walk is then read again anyway.
     */
    private void diffWords(int k, long word, long before) {
        long differ = word ^ before;
        int shift = Long.numberOfTrailingZeros(differ) & ~15;
        if ((differ >>> shift) <= 0xFFFF && (word >>> shift & 0xFFFF) != 0 && (before >>> shift & 0xFFFF) != 0) {
            // the common step: one lane holds another id (the node of the next key), the other lanes are the same
            enter((int) (word >>> shift) & 0xFFFF, k);
            leave((int) (before >>> shift) & 0xFFFF, k);
            return;
        }
        int n = word == 0 ? 0 : Lanes.count(word);
        int m = before == 0 ? 0 : Lanes.count(before);
        for (int lane = 0; lane < n; lane++) {
            int id = Lanes.id(word, lane);
            if (!hasLane(before, m, id)) {
                enter(id, k);
            }
        }
        for (int lane = 0; lane < m; lane++) {
            int id = Lanes.id(before, lane);
            if (!hasLane(word, n, id)) {
                leave(id, k);
            }
        }
    }

    private static boolean hasLane(long word, int lanes, int id) {
        for (int lane = 0; lane < lanes; lane++) {
            if (Lanes.id(word, lane) == id) {
                return true;
            }
        }
        return false;
    }

    /**
     * Enters key {@code k}'s ids and leaves the previous key's, skipping the runs of ids the two lists share: a
     * greedy alignment that at each difference looks one id ahead to tell a substitution from an id the previous
     * list has extra (as when a pod's share of the prompt ends) or the current one has. Any alignment gives the same
     * counts; a better one only takes fewer steps.
     */
    private void diff(int k, int[] ids, int from, int to) {
        int[] before = previous;
        int beforeTo = previousTo;
        int gones = 0;
        int ci = from;
        int pi = previousFrom;
        while (ci < to && pi < beforeTo) {
            int d = Arrays.mismatch(ids, ci, to, before, pi, beforeTo);
            if (d < 0) {
                ci = to;
                pi = beforeTo;
                break;
            }
            ci += d;
            pi += d;
            if (ci == to || pi == beforeTo) {
                break;
            }
            boolean nextSame = ci + 1 < to ? pi + 1 < beforeTo && ids[ci + 1] == before[pi + 1] : pi + 1 == beforeTo;
            boolean extraBefore = !nextSame && pi + 1 < beforeTo && ids[ci] == before[pi + 1];
            boolean extraNow = !nextSame && !extraBefore && ci + 1 < to && ids[ci + 1] == before[pi];
            if (gones == gone.length) {
                gone = Arrays.copyOf(gone, gones * 2);
            }
            if (extraBefore) {
                gone[gones++] = before[pi++];
            } else if (extraNow) {
                enter(ids[ci++], k);
            } else {
                enter(ids[ci++], k);
                gone[gones++] = before[pi++];
            }
        }
        while (ci < to) {
            enter(ids[ci++], k);
        }
        for (int j = 0; j < gones; j++) {
            leave(gone[j], k);
        }
        while (pi < beforeTo) {
            leave(before[pi++], k);
        }
    }

    /** Each shard's pool array as the walk first read it (scratch; the walk's validation covers its replacement). */
    final int[][] pools(int shards) {
        if (pools.length < shards) {
            pools = new int[shards][];
        }
        return pools;
    }

    final long[] stamps(int shards) {
        if (stamps.length < shards) {
            stamps = new long[shards];
        }
        return stamps;
    }
}
