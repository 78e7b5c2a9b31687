package io.spillway.perf.history;

import java.util.List;

/** One broken guarantee, with the operations that show it: the offending get first, then the one it contradicts. */
public record Violation(Kind kind, String what, List<History.Op> ops) {
    public enum Kind {
        /** A get returned a value that no put of the key carried. */
        WRONG_BYTES,
        /** A final read missed a key whose put was acknowledged. */
        LOST_ACKNOWLEDGED,
        /** The key's value changed after a put of it was acknowledged. */
        CHANGED_VALUE
    }

    @Override
    public String toString() {
        return kind + ": " + what + ": " + ops;
    }
}
