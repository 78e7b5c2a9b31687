package io.spillway.perf.history;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A recorded history of a load's operations, in the spirit of Jepsen: for each operation its process (worker), type
 * (put or get), key, invoke and complete times (System.nanoTime of the recording JVM), outcome and value identity
 * ({@link ValueId}). Checked by {@link HistoryChecker}; stored in the binary format of docs/reliability.md.
 */
public final class History {
    public static final byte PUT = 1;
    public static final byte GET = 2;
    /** Put acknowledged; get answered with a value. */
    public static final byte OK = 1;
    /** Get answered "not found". */
    public static final byte MISS = 2;
    /** Definitely failed (an error status); a failed put may still have been stored by some replica. */
    public static final byte FAIL = 3;
    /** Outcome unknown (timeout, connection lost, exception): the operation may or may not have taken effect. */
    public static final byte INFO = 4;
    /** The value of a miss or a failed get. */
    public static final long NO_VALUE = -1L;

    static final byte[] MAGIC = "SPWHIST1".getBytes(StandardCharsets.US_ASCII);
    static final int RECORD_BYTES = 4 + 1 + 1 + 5 * 8;

    final int[] process;
    final byte[] type;
    final byte[] outcome;
    final long[] keyHi;
    final long[] keyLo;
    final long[] invoke;
    final long[] complete;
    final long[] value;
    private final long dropped;

    private History(int n, long dropped) {
        process = new int[n];
        type = new byte[n];
        outcome = new byte[n];
        keyHi = new long[n];
        keyLo = new long[n];
        invoke = new long[n];
        complete = new long[n];
        value = new long[n];
        this.dropped = dropped;
    }

    /** The operations of {@code logs}, concatenated. */
    public static History of(List<HistoryLog> logs) {
        int n = 0;
        long dropped = 0;
        for (HistoryLog log : logs) {
            n = Math.addExact(n, log.size);
            dropped += log.dropped;
        }
        History h = new History(n, dropped);
        int at = 0;
        for (HistoryLog log : logs) {
            Arrays.fill(h.process, at, at + log.size, log.process);
            System.arraycopy(log.type, 0, h.type, at, log.size);
            System.arraycopy(log.outcome, 0, h.outcome, at, log.size);
            System.arraycopy(log.keyHi, 0, h.keyHi, at, log.size);
            System.arraycopy(log.keyLo, 0, h.keyLo, at, log.size);
            System.arraycopy(log.invoke, 0, h.invoke, at, log.size);
            System.arraycopy(log.complete, 0, h.complete, at, log.size);
            System.arraycopy(log.value, 0, h.value, at, log.size);
            at += log.size;
        }
        return h;
    }

    public int size() {
        return type.length;
    }

    /** Operations the recorders could not hold (their logs were full): a history with drops is incomplete. */
    public long dropped() {
        return dropped;
    }

    public Op op(int i) {
        return new Op(i, process[i], type[i], outcome[i], keyHi[i], keyLo[i], invoke[i], complete[i], value[i]);
    }

    public void write(Path file) throws IOException {
        try (OutputStream o = Files.newOutputStream(file)) {
            write(o);
        }
    }

    public void write(OutputStream o) throws IOException {
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(o, 1 << 16));
        out.write(MAGIC);
        out.writeLong(size());
        out.writeLong(dropped);
        for (int i = 0; i < size(); i++) {
            out.writeInt(process[i]);
            out.writeByte(type[i]);
            out.writeByte(outcome[i]);
            out.writeLong(keyHi[i]);
            out.writeLong(keyLo[i]);
            out.writeLong(invoke[i]);
            out.writeLong(complete[i]);
            out.writeLong(value[i]);
        }
        out.flush();
    }

    public static History read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, Files.size(file), file.toString());
        }
    }

    /** Reads a history of {@code bytes} bytes; a file that is not one is refused with a message naming what is wrong. */
    static History read(InputStream raw, long bytes, String name) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16));
        byte[] magic = new byte[MAGIC.length];
        long count;
        long dropped;
        try {
            in.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IllegalArgumentException(name + " is not a Spillway history (no SPWHIST1 header)");
            }
            count = in.readLong();
            dropped = in.readLong();
        } catch (EOFException e) {
            throw new IllegalArgumentException(name + " is not a Spillway history (shorter than its header)", e);
        }
        long expected = count < 0 || count > Integer.MAX_VALUE ? -1 : MAGIC.length + 16 + count * RECORD_BYTES;
        if (expected != bytes || dropped < 0) {
            throw new IllegalArgumentException(name + " is damaged: header says " + count + " operations ("
                + expected + " bytes) and " + dropped + " dropped, the file has " + bytes + " bytes");
        }
        History h = new History((int) count, dropped);
        for (int i = 0; i < count; i++) {
            h.process[i] = in.readInt();
            h.type[i] = in.readByte();
            h.outcome[i] = in.readByte();
            h.keyHi[i] = in.readLong();
            h.keyLo[i] = in.readLong();
            h.invoke[i] = in.readLong();
            h.complete[i] = in.readLong();
            h.value[i] = in.readLong();
            validate(h, i, name);
        }
        return h;
    }

    private static void validate(History h, int i, String name) {
        boolean put = h.type[i] == PUT;
        if (!put && h.type[i] != GET) {
            throw new IllegalArgumentException(name + ": operation " + i + " has unknown type " + h.type[i]);
        }
        if (h.outcome[i] < OK || h.outcome[i] > INFO || (put && h.outcome[i] == MISS)) {
            throw new IllegalArgumentException(name + ": operation " + i + " has outcome " + h.outcome[i]
                + ", not one a " + (put ? "put" : "get") + " can have");
        }
        if (h.complete[i] < h.invoke[i]) {
            throw new IllegalArgumentException(name + ": operation " + i + " completes before it is invoked");
        }
    }

    /** Builds histories op by op (tests, converters). */
    public static final class Builder {
        private final HistoryLog log;
        private final List<HistoryLog> logs = new ArrayList<>();
        private int[] processes = new int[16];

        public Builder(int capacity) {
            log = new HistoryLog(0, capacity);
            logs.add(log);
        }

        public Builder add(int process, byte opType, byte opOutcome, long hi, long lo, long invokeNanos,
                           long completeNanos, long v) {
            int before = log.size;
            log.record(opType, opOutcome, hi, lo, invokeNanos, completeNanos, v);
            if (log.size == before) {
                throw new IllegalStateException("builder full at " + before + " operations");
            }
            processes = grow(processes, log.size);
            processes[before] = process;
            return this;
        }

        private static int[] grow(int[] a, int n) {
            return n <= a.length ? a : Arrays.copyOf(a, Math.max(n, a.length * 2));
        }

        public History build() {
            History h = of(logs);
            System.arraycopy(processes, 0, h.process, 0, h.size());
            return h;
        }
    }

    /** One operation, for reports. */
    public record Op(int index, int process, byte type, byte outcome, long keyHi, long keyLo, long invokeNanos,
                     long completeNanos, long value) {
        @Override
        public String toString() {
            return "#" + index + " p" + process + " " + (type == PUT ? "put" : "get") + " "
                + Long.toHexString(keyHi) + ":" + Long.toHexString(keyLo) + " " + outcomeName(outcome)
                + (value == NO_VALUE ? "" : " v=" + Long.toHexString(value)) + " [" + invokeNanos + ".."
                + completeNanos + "]";
        }
    }

    static String outcomeName(byte outcome) {
        return switch (outcome) {
            case OK -> "ok";
            case MISS -> "miss";
            case FAIL -> "fail";
            case INFO -> "info";
            default -> "outcome " + outcome;
        };
    }
}
