package io.spillway.perf.history;

/**
 * One worker's part of a {@link History}: operations appended to preallocated primitive arrays, so recording allocates
 * nothing per operation. A full log stops recording and counts what it dropped; what it holds stays a prefix of the
 * worker's operations. Not thread-safe: one writer (its worker), read after the worker stopped.
 */
public final class HistoryLog {
    final int process;
    final byte[] type;
    final byte[] outcome;
    final long[] keyHi;
    final long[] keyLo;
    final long[] invoke;
    final long[] complete;
    final long[] value;
    int size;
    long dropped;

    public HistoryLog(int process, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("history capacity must be at least 1 operation, got " + capacity);
        }
        this.process = process;
        type = new byte[capacity];
        outcome = new byte[capacity];
        keyHi = new long[capacity];
        keyLo = new long[capacity];
        invoke = new long[capacity];
        complete = new long[capacity];
        value = new long[capacity];
    }

    /**
     * Appends one operation; {@code value} is the put's value identity (see {@link ValueId}) or the get's returned
     * value's ({@link History#NO_VALUE} for a miss or a failed get).
     */
    public void record(byte opType, byte opOutcome, long hi, long lo, long invokeNanos, long completeNanos, long v) {
        if (dropped > 0 || size == type.length) {
            dropped++;
            return;
        }
        int i = size++;
        type[i] = opType;
        outcome[i] = opOutcome;
        keyHi[i] = hi;
        keyLo[i] = lo;
        invoke[i] = invokeNanos;
        complete[i] = completeNanos;
        value[i] = v;
    }

    public int size() {
        return size;
    }

    public long dropped() {
        return dropped;
    }
}
