package io.spillway.client;

import io.spillway.protocol.ErrorCode;

/**
 * Per-block outcome of a batch put, in request order. Statuses: {@code OK} (stored, or already present),
 * {@code NOT_OWNER} (the node does not own the key's partition: the client's partition map is stale),
 * {@code BACK_PRESSURE}, {@code CHECKSUM_MISMATCH}, {@code BLOCK_TOO_LARGE}, {@code INTERNAL}.
 *
 * @param topologyVersion the partition-map version the node reported in its reply (the topology trailer), or -1
 *                        when the reply had none (a standalone node); for a {@link ClusterKvClient} put, the highest
 *                        version any node reported
 */
public record PutResult(ErrorCode[] statuses, long topologyVersion) {
    /** A result without a topology version. */
    public PutResult(ErrorCode[] statuses) {
        this(statuses, -1);
    }

    public boolean allOk() {
        for (ErrorCode s : statuses) {
            if (s != ErrorCode.OK) {
                return false;
            }
        }
        return true;
    }

    public int count(ErrorCode code) {
        int n = 0;
        for (ErrorCode s : statuses) {
            if (s == code) {
                n++;
            }
        }
        return n;
    }

    /** Whether the reply carried a topology version. */
    public boolean hasTopologyVersion() {
        return topologyVersion >= 0;
    }
}
