package io.spillway.perf.harness;

import java.io.PrintStream;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/** The live status line on stderr, rewritten in place ({@code \r}) once a second. */
public class ProgressLine {
    private final PrintStream out;
    private final boolean enabled;
    private int lastLength;

    public ProgressLine(PrintStream out, boolean enabled) {
        this.out = out;
        this.enabled = enabled;
    }

    /** Writes nothing (tests, JSON-only runs). */
    public static ProgressLine silent() {
        return new ProgressLine(System.err, false);
    }

    public void preload(String target, long done, long total, long elapsedNanos) {
        show(String.format(Locale.ROOT, "%-8s preload %d/%d blocks  %.1fs", target, done, total, elapsedNanos / 1e9));
    }

    /** One second's figures; {@code intervalSeconds} is how long the histograms' interval really was. */
    public void tick(String target, String phase, boolean measuring, double elapsed, double length,
                     double intervalSeconds, double getGbps, double putGbps, Histogram getNanos, Histogram putNanos,
                     long errors) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-8s %-9s %s %4.0f/%.0fs", target, phase,
            measuring ? "run   " : "warmup", elapsed, length));
        if (getNanos.getTotalCount() > 0) {
            line.append(String.format(Locale.ROOT, "  GET %6.2f GB/s %6d req/s p99 %s", getGbps,
                Math.round(getNanos.getTotalCount() / intervalSeconds), micros(getNanos.getValueAtPercentile(99))));
        }
        if (putNanos.getTotalCount() > 0) {
            line.append(String.format(Locale.ROOT, "  PUT %6.2f GB/s %6d req/s p99 %s", putGbps,
                Math.round(putNanos.getTotalCount() / intervalSeconds), micros(putNanos.getValueAtPercentile(99))));
        }
        if (errors > 0) {
            line.append("  errors ").append(errors);
        }
        show(line.toString());
    }

    /** Ends the line, so the next output starts on a fresh one. */
    public void finish() {
        if (enabled && lastLength > 0) {
            out.print('\n');
            out.flush();
            lastLength = 0;
        }
    }

    private void show(String line) {
        if (!enabled) {
            return;
        }
        int pad = Math.max(0, lastLength - line.length());
        out.print('\r' + line + " ".repeat(pad));
        out.flush();
        lastLength = line.length();
    }

    static String micros(long nanos) {
        return nanos >= 10_000_000 ? String.format(Locale.ROOT, "%.0fms", nanos / 1e6)
            : nanos >= 1_000_000 ? String.format(Locale.ROOT, "%.1fms", nanos / 1e6)
            : String.format(Locale.ROOT, "%dus", nanos / 1000);
    }
}
