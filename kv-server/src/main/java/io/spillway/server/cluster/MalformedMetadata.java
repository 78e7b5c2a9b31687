package io.spillway.server.cluster;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The malformed entries of the replicated metadata (the namespace cache, and the tenant cache's quotas, named
 * {@code "tenant <name>"}) this member has skipped. Each distinct entry (key and
 * value) is counted and logged once, however many map computations meet it; the count is the node's
 * {@code spillway_cluster_metadata_malformed_total}. Thread-safe.
 */
final class MalformedMetadata {
    private static final Logger LOG = System.getLogger(MalformedMetadata.class.getName());

    private final Map<String, String> seen = new ConcurrentHashMap<>();
    private final AtomicLong count = new AtomicLong();

    /** Notes a skipped entry: counted and logged with its key, value and {@code problem} the first time it is met. */
    void skipped(String key, String value, String problem) {
        String v = String.valueOf(value);
        if (!v.equals(seen.put(key, v))) {
            count.incrementAndGet();
            LOG.log(Level.WARNING, "skipping malformed replicated metadata entry '" + key + "' = '" + shorten(v)
                + "': " + problem + " (the partition map and the quotas are computed without it)");
        }
    }

    /** Distinct malformed entries skipped so far. */
    long count() {
        return count.get();
    }

    private static String shorten(String v) {
        String oneLine = v.replace("\n", "\\n");
        return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "...";
    }
}
