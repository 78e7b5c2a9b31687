package io.spillway.placement.index;

import io.spillway.key.BlockKey;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.agrona.DirectBuffer;

/**
 * A write batch's keys read once, hashed once and grouped by shard (a stable counting sort: keys of one shard keep
 * their order), so that each shard's writer, the caller or a helper, walks its own keys only. One per writing
 * thread, reused.
 */
final class KeyBatch {
    private static final AtomicInteger CREATED = new AtomicInteger();

    /** Which part of the shards this thread's batches start at: threads take turns, so writers spread out. */
    final int turn = CREATED.getAndIncrement();
    long[] his = new long[0];
    long[] los = new long[0];
    long[] hashes = new long[0];
    /** Shard {@code s}'s keys are {@code [start[s], start[s + 1])}. */
    int[] start = new int[0];
    int count;

    private long[] inHi = new long[0];
    private long[] inLo = new long[0];
    private long[] inHash = new long[0];

    /** Reads {@code count} keys packed as {@link BlockLocationIndex#addAll(int, DirectBuffer, int, int)} takes them. */
    KeyBatch load(DirectBuffer buffer, int offset, int count, int shardCount, int shardShift) {
        ensure(count, shardCount);
        long[] hi = shardCount == 1 ? his : inHi; // one shard: no sort, the keys are in place as read
        long[] lo = shardCount == 1 ? los : inLo;
        for (int i = 0, at = offset; i < count; i++, at += BlockKey.BYTES) {
            hi[i] = buffer.getLong(at, ByteOrder.BIG_ENDIAN);
            lo[i] = buffer.getLong(at + 8, ByteOrder.BIG_ENDIAN);
        }
        return group(count, shardCount, shardShift);
    }

    /** Reads {@code count} keys given as parallel arrays. */
    KeyBatch load(long[] hiIn, long[] loIn, int count, int shardCount, int shardShift) {
        ensure(count, shardCount);
        System.arraycopy(hiIn, 0, shardCount == 1 ? his : inHi, 0, count);
        System.arraycopy(loIn, 0, shardCount == 1 ? los : inLo, 0, count);
        return group(count, shardCount, shardShift);
    }

    private KeyBatch group(int n, int shardCount, int shardShift) {
        this.count = n;
        int[] at = start;
        if (shardCount == 1) {
            for (int i = 0; i < n; i++) {
                hashes[i] = KeyTable.hash(his[i], los[i]);
            }
            at[0] = 0;
            at[1] = n;
            return this;
        }
        Arrays.fill(at, 0, shardCount + 1, 0);
        for (int i = 0; i < n; i++) {
            long h = KeyTable.hash(inHi[i], inLo[i]);
            inHash[i] = h;
            at[BlockLocationIndex.shardOf(h, shardShift) + 1]++;
        }
        for (int s = 0; s < shardCount; s++) {
            at[s + 1] += at[s];
        }
        // place each key at its shard's next free position, then shift the starts back
        for (int i = 0; i < n; i++) {
            int p = at[BlockLocationIndex.shardOf(inHash[i], shardShift)]++;
            his[p] = inHi[i];
            los[p] = inLo[i];
            hashes[p] = inHash[i];
        }
        for (int s = shardCount; s > 0; s--) {
            at[s] = at[s - 1];
        }
        at[0] = 0;
        return this;
    }

    private void ensure(int n, int shardCount) {
        if (start.length < shardCount + 1) {
            start = new int[shardCount + 1];
        }
        if (his.length < n) {
            int size = Math.max(n, 2 * his.length);
            his = new long[size];
            los = new long[size];
            hashes = new long[size];
            inHi = new long[size];
            inLo = new long[size];
            inHash = new long[size];
        }
    }
}
