package io.spillway.perf.report;

import io.spillway.perf.harness.OpResult;
import io.spillway.perf.harness.PhaseResult;
import java.io.PrintStream;
import java.util.Locale;

/** The human-readable table of phase results: one row per target, phase and kind of request. */
public final class ResultTable {
    private static final String HEADER = String.format(Locale.ROOT,
        "%-9s %-10s %-4s %8s %10s %9s %9s %9s %9s %7s %7s",
        "target", "phase", "op", "GB/s", "blocks/s", "req/s", "p50 us", "p99 us", "p999 us", "misses", "errors");

    private final PrintStream out;

    public ResultTable(PrintStream out) {
        this.out = out;
    }

    public void header() {
        out.println(HEADER);
        out.println("-".repeat(HEADER.length()));
    }

    /** One row for gets and one for puts, each only if the phase issued any. */
    public void rows(PhaseResult r) {
        if (r.get().requests() > 0) {
            row(r, "get", r.get());
        }
        if (r.put().requests() > 0) {
            row(r, "put", r.put());
        }
        if (r.get().requests() == 0 && r.put().requests() == 0) {
            out.printf(Locale.ROOT, "%-9s %-10s no request completed%s%n", r.target(), r.spec().name(),
                r.firstError() == null ? "" : ": " + r.firstError());
        }
        if (!r.clean()) {
            out.printf(Locale.ROOT, "  ! %s %s: %d request errors, %d blocks failed verification; first: %s%n",
                r.target(), r.spec().name(), r.errors(), r.get().verifyFailures(), r.firstError());
        }
    }

    private void row(PhaseResult r, String op, OpResult o) {
        out.printf(Locale.ROOT, "%-9s %-10s %-4s %8.3f %10.0f %9.0f %9.0f %9.0f %9.0f %7d %7d%n", r.target(),
            r.spec().name(), op, o.gigabytesPerSecond(), o.blocksPerSecond(), o.requestsPerSecond(),
            o.latency().p50Micros(), o.latency().p99Micros(), o.latency().p999Micros(), o.misses() + o.refused(),
            r.errors());
    }
}
