package io.spillway.perf.history;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Checks a {@link History} against the guarantees of docs/cluster.md ("The immutability guarantee", and replication 2
 * surviving a single failure):
 * <ul>
 * <li>{@link Violation.Kind#WRONG_BYTES}: a get returned a value that no put of its key invoked before the get
 * completed ever carried (whatever that put's outcome);</li>
 * <li>{@link Violation.Kind#LOST_ACKNOWLEDGED}: a get invoked at or after {@code faultEndNanos}, and after a put of its
 * key was acknowledged, missed;</li>
 * <li>{@link Violation.Kind#CHANGED_VALUE}: gets invoked after the key's first acknowledged put completed returned
 * different values, or a value no put invoked before that acknowledgement carried (first value wins).</li>
 * </ul>
 * Puts that failed or whose outcome is unknown are never reported lost, and their values are allowed. A miss before
 * {@code faultEndNanos} is counted, not flagged (the store is a cache). Sorts the operations by key once:
 * O(n log n) time, O(n) memory. Not thread-safe (one check at a time per checker).
 */
public final class HistoryChecker {
    private final int examples;
    private long[] values = new long[4];
    private long[] firstInvoke = new long[4];
    private int distinct;

    /** @param examples violations kept with their operations per kind (all are counted) */
    public HistoryChecker(int examples) {
        if (examples < 0) {
            throw new IllegalArgumentException("examples must be >= 0, got " + examples);
        }
        this.examples = examples;
    }

    /**
     * @param faultEndNanos the end of the fault window on the history's clock; gets invoked from then on are final
     *                      reads. {@link Long#MIN_VALUE} when there was no fault: every miss of an acknowledged key is
     *                      a loss
     */
    public HistoryVerdict check(History h, long faultEndNanos) {
        int[] order = KeyOrder.sorted(h);
        HistoryVerdict.Counts counts = new HistoryVerdict.Counts();
        List<Violation> found = new ArrayList<>();
        int from = 0;
        while (from < order.length) {
            int to = from + 1;
            int first = order[from];
            while (to < order.length && h.keyHi[order[to]] == h.keyHi[first] && h.keyLo[order[to]] == h.keyLo[first]) {
                to++;
            }
            checkKey(h, order, from, to, faultEndNanos, counts, found);
            counts.keys++;
            from = to;
        }
        counts.ops = h.size();
        return new HistoryVerdict(counts, List.copyOf(found), h.dropped());
    }

    /** Checks the operations {@code order[from..to)}, all of one key, sorted by invoke time. */
    private void checkKey(History h, int[] order, int from, int to, long faultEnd, HistoryVerdict.Counts counts,
                          List<Violation> found) {
        int firstAck = -1;
        for (int j = from; j < to; j++) {
            int i = order[j];
            if (h.type[i] == History.PUT) {
                counts.puts++;
                if (h.outcome[i] == History.OK) {
                    counts.putsAcknowledged++;
                    if (firstAck < 0 || h.complete[i] < h.complete[firstAck]) {
                        firstAck = i;
                    }
                } else {
                    counts.putsIndeterminate++;
                }
            }
        }
        collectValues(h, order, from, to);
        long ackedAt = firstAck < 0 ? Long.MAX_VALUE : h.complete[firstAck];
        int settled = -1;
        for (int j = from; j < to; j++) {
            int i = order[j];
            if (h.type[i] != History.GET) {
                continue;
            }
            counts.gets++;
            boolean afterAck = h.invoke[i] > ackedAt;
            switch (h.outcome[i]) {
                case History.OK -> {
                    counts.getsHit++;
                    if (!putCarried(h.value[i], h.complete[i])) {
                        add(found, counts, Violation.Kind.WRONG_BYTES, h, i, -1,
                            "returned a value no put of the key invoked before it carried");
                    } else if (afterAck) {
                        if (settled < 0) {
                            settled = i;
                            if (!putCarried(h.value[i], ackedAt)) {
                                add(found, counts, Violation.Kind.CHANGED_VALUE, h, i, firstAck,
                                    "returned a value put only after the first acknowledged put");
                            }
                        } else if (h.value[i] != h.value[settled]) {
                            add(found, counts, Violation.Kind.CHANGED_VALUE, h, i, settled,
                                "returned another value than an earlier get after the acknowledgement");
                        }
                    }
                }
                case History.MISS -> {
                    if (!afterAck) {
                        counts.missesUnacknowledged++;
                    } else if (h.invoke[i] < faultEnd) {
                        counts.missesInWindow++;
                    } else {
                        add(found, counts, Violation.Kind.LOST_ACKNOWLEDGED, h, i, firstAck,
                            "missed a key acknowledged before it, after the fault window");
                    }
                }
                default -> counts.getsFailed++;
            }
        }
    }

    /** Whether a put of the current key invoked before {@code before} carried {@code value}. */
    private boolean putCarried(long value, long before) {
        for (int d = 0; d < distinct; d++) {
            if (values[d] == value) {
                return firstInvoke[d] < before;
            }
        }
        return false;
    }

    /** Notes the put values of {@code order[from..to)} with the earliest invoke of each (usually one value). */
    private void collectValues(History h, int[] order, int from, int to) {
        distinct = 0;
        for (int j = from; j < to; j++) {
            int i = order[j];
            if (h.type[i] != History.PUT) {
                continue;
            }
            int d = 0;
            while (d < distinct && values[d] != h.value[i]) {
                d++;
            }
            if (d == distinct) {
                if (distinct == values.length) {
                    values = Arrays.copyOf(values, distinct * 2);
                    firstInvoke = Arrays.copyOf(firstInvoke, distinct * 2);
                }
                values[d] = h.value[i];
                firstInvoke[d] = h.invoke[i];
                distinct++;
            }
        }
    }

    private void add(List<Violation> found, HistoryVerdict.Counts counts, Violation.Kind kind, History h, int op,
                     int other, String what) {
        long seen = counts.violations[kind.ordinal()]++;
        if (seen < examples) {
            found.add(new Violation(kind, what, other < 0 ? List.of(h.op(op)) : List.of(h.op(op), h.op(other))));
        }
    }
}
