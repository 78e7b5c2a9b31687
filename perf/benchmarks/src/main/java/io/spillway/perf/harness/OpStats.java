package io.spillway.perf.harness;

import java.util.concurrent.atomic.LongAdder;

/** Live counters of one kind of request (get or put) during a phase; recorded only while measuring. */
final class OpStats {
    final LatencyRecorder latency = new LatencyRecorder();
    final LongAdder requests = new LongAdder();
    final LongAdder blocks = new LongAdder();
    final LongAdder bytes = new LongAdder();
    final LongAdder misses = new LongAdder();
    final LongAdder refused = new LongAdder();
    final LongAdder verifyFailures = new LongAdder();

    OpResult result(double seconds) {
        return new OpResult(requests.sum(), blocks.sum(), bytes.sum(), misses.sum(), refused.sum(),
            verifyFailures.sum(), seconds, latency.summary());
    }
}
