package io.spillway.perf.peer;

import io.spillway.perf.harness.LatencyRecorder;
import io.spillway.perf.harness.LatencySummary;
import io.spillway.perf.harness.OpResult;
import io.spillway.perf.harness.PhaseResult;
import io.spillway.perf.harness.PhaseSlice;
import io.spillway.perf.harness.PhaseSpec;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Reads a peer worker's answer to one {@code slice} command ({@code peer_worker.py}) into the same
 * {@link PhaseSlice} the Java harness makes: the get and put counters, every measured request's latency in
 * nanoseconds (recorded into histograms, so slices merge into exact percentiles like the harness's own), the
 * errors, and the measured seconds. A line it does not expect, a missing line, or a count that is not a number
 * fails with a message that quotes the line.
 */
public final class WorkerReply {
    private static final long HIGHEST_NANOS = 3_600_000_000_000L;

    private WorkerReply() {
    }

    /** @param lines the lines from the command's answer up to, not including, {@code end} */
    public static PhaseSlice parse(String target, PhaseSpec spec, List<String> lines) {
        long[] get = null;
        long[] put = null;
        Long errors = null;
        String firstError = null;
        Histogram getNanos = LatencyRecorder.newHistogram();
        Histogram putNanos = LatencyRecorder.newHistogram();
        Double seconds = null;
        for (String line : lines) {
            int space = line.indexOf(' ');
            String word = space < 0 ? line : line.substring(0, space);
            String rest = space < 0 ? "" : line.substring(space + 1).trim();
            switch (word) {
                case "get" -> get = counters(line, rest);
                case "put" -> put = counters(line, rest);
                case "errors" -> errors = number(line, rest);
                case "first-error" -> firstError = rest;
                case "lat-get" -> record(line, rest, getNanos);
                case "lat-put" -> record(line, rest, putNanos);
                case "seconds" -> seconds = seconds(line, rest);
                default -> throw bad(line, "an unknown line");
            }
        }
        if (get == null || put == null || errors == null || seconds == null) {
            throw new IllegalArgumentException("peer worker's slice answer lacks "
                + (get == null ? "'get'" : put == null ? "'put'" : errors == null ? "'errors'" : "'seconds'")
                + ": " + lines);
        }
        PhaseResult result = new PhaseResult(target, spec, seconds, op(get, seconds, getNanos),
            op(put, seconds, putNanos), errors, firstError);
        return new PhaseSlice(result, getNanos, putNanos);
    }

    private static OpResult op(long[] c, double seconds, Histogram nanos) {
        return new OpResult(c[0], c[1], c[2], c[3], c[4], c[5], seconds, LatencySummary.of(nanos));
    }

    /** requests, blocks, bytes, misses, refused, verify failures. */
    private static long[] counters(String line, String rest) {
        String[] words = rest.split(" ");
        if (words.length != 6) {
            throw bad(line, "6 counters");
        }
        long[] out = new long[6];
        for (int i = 0; i < 6; i++) {
            out[i] = number(line, words[i]);
        }
        return out;
    }

    private static void record(String line, String rest, Histogram into) {
        if (rest.isEmpty()) {
            return;
        }
        for (String w : rest.split(" ")) {
            long nanos = number(line, w);
            into.recordValue(Math.max(1, Math.min(nanos, HIGHEST_NANOS)));
        }
    }

    private static double seconds(String line, String text) {
        try {
            double s = Double.parseDouble(text);
            if (!(s >= 0) || Double.isInfinite(s)) {
                throw bad(line, "seconds >= 0");
            }
            return s;
        } catch (NumberFormatException e) {
            throw bad(line, "a number of seconds");
        }
    }

    private static long number(String line, String text) {
        try {
            long v = Long.parseLong(text);
            if (v < 0) {
                throw bad(line, "counts >= 0");
            }
            return v;
        } catch (NumberFormatException e) {
            throw bad(line, "whole numbers");
        }
    }

    private static IllegalArgumentException bad(String line, String expected) {
        return new IllegalArgumentException("peer worker's slice answer: expected " + expected + ", got '"
            + (line.length() > 120 ? line.substring(0, 120) + "..." : line) + "'");
    }
}
