package io.spillway.perf.history;

import java.io.PrintWriter;
import java.util.List;

/** What {@link HistoryChecker} found: counts of every kind, and up to its limit of violations per kind. */
public record HistoryVerdict(Counts counts, List<Violation> examples, long dropped) {
    /** No violation of any kind; a history with dropped operations is checked but never valid. */
    public boolean valid() {
        return dropped == 0 && violations() == 0;
    }

    public long violations() {
        long n = 0;
        for (long v : counts.violations) {
            n += v;
        }
        return n;
    }

    public long violations(Violation.Kind kind) {
        return counts.violations[kind.ordinal()];
    }

    public void print(PrintWriter out) {
        Counts c = counts;
        out.printf("history: %d operations on %d keys%s%n", c.ops, c.keys,
            dropped == 0 ? "" : ", INCOMPLETE: " + dropped + " operations dropped by full recorders");
        out.printf("puts: %d (%d acknowledged, %d failed or unknown)%n", c.puts, c.putsAcknowledged,
            c.putsIndeterminate);
        out.printf("gets: %d (%d hits, %d misses in the fault window, %d misses before any acknowledgement, %d failed)%n",
            c.gets, c.getsHit, c.missesInWindow, c.missesUnacknowledged, c.getsFailed);
        for (Violation.Kind k : Violation.Kind.values()) {
            out.printf("%s: %d%n", k, violations(k));
        }
        for (Violation v : examples) {
            out.println("  " + v);
        }
        out.println(valid() ? "valid" : "INVALID");
    }

    /** Counters filled by the checker. */
    public static final class Counts {
        long ops;
        long keys;
        long puts;
        long putsAcknowledged;
        long putsIndeterminate;
        long gets;
        long getsHit;
        long getsFailed;
        long missesInWindow;
        long missesUnacknowledged;
        final long[] violations = new long[Violation.Kind.values().length];

        public long ops() {
            return ops;
        }

        public long keys() {
            return keys;
        }

        public long putsAcknowledged() {
            return putsAcknowledged;
        }

        public long getsHit() {
            return getsHit;
        }

        public long missesInWindow() {
            return missesInWindow;
        }

        public long missesUnacknowledged() {
            return missesUnacknowledged;
        }

        public long getsFailed() {
            return getsFailed;
        }
    }
}
