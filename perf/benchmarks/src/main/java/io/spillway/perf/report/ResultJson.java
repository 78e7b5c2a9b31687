package io.spillway.perf.report;

import io.spillway.perf.harness.OpResult;
import io.spillway.perf.harness.PhaseResult;
import io.spillway.perf.harness.PhaseSpec;
import java.util.Locale;

/** Phase results as JSON objects (field names in snake_case; GB/s is 10^9 bytes per second). */
public final class ResultJson {
    private ResultJson() {
    }

    public static void workload(JsonWriter json, PhaseSpec spec, int connections) {
        json.beginObject()
            .field("block_bytes", spec.blockBytes())
            .field("connections", connections)
            .field("threads", spec.threads())
            .field("working_set_blocks", spec.blocks())
            .field("writes", spec.writes().name().toLowerCase(Locale.ROOT))
            .field("warmup_s", spec.warmup().toMillis() / 1e3)
            .field("duration_s", spec.duration().toMillis() / 1e3)
            .endObject();
    }

    /** The phase with its gets and puts; {@code main} (the op the phase is about) is also flattened in. */
    public static void phase(JsonWriter json, PhaseResult r, OpResult main) {
        json.beginObject()
            .field("target", r.target())
            .field("phase", r.spec().name())
            .field("batch", r.spec().batch())
            .field("read_ratio", r.spec().readRatio())
            .field("seconds", r.seconds())
            .field("clean", r.clean())
            .field("errors", r.errors())
            .field("first_error", r.firstError());
        if (main != null) {
            opFields(json, main);
        }
        json.name("get");
        op(json, r.get());
        json.name("put");
        op(json, r.put());
        json.endObject();
    }

    public static void op(JsonWriter json, OpResult o) {
        json.beginObject();
        opFields(json, o);
        json.endObject();
    }

    private static void opFields(JsonWriter json, OpResult o) {
        json.field("gbps", o.gigabytesPerSecond())
            .field("blocks_per_s", o.blocksPerSecond())
            .field("requests_per_s", o.requestsPerSecond())
            .field("p50_us", o.latency().p50Micros())
            .field("p99_us", o.latency().p99Micros())
            .field("p999_us", o.latency().p999Micros())
            .field("max_us", o.latency().maxMicros())
            .field("mean_us", o.latency().meanMicros())
            .field("requests", o.requests())
            .field("blocks", o.blocks())
            .field("bytes", o.bytes())
            .field("misses", o.misses())
            .field("refused", o.refused())
            .field("verify_failures", o.verifyFailures());
    }

    /** {@code a / b}, or NaN (written as null) when either is missing or b is 0. */
    public static double ratio(double a, double b) {
        return b > 0 && a >= 0 ? a / b : Double.NaN;
    }
}
