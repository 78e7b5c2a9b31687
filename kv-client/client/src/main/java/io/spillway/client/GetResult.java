package io.spillway.client;

import io.spillway.protocol.ErrorCode;
import io.spillway.tier.TierKind;

/**
 * Per-block outcome of a batch get, in request order: status, the tier a hit came from ({@code null} otherwise)
 * and its length in bytes. Statuses: {@code OK}; {@code NOT_FOUND}, {@code NOT_OWNER} (the node does not own the
 * key's partition: the map is stale) or {@code INTERNAL} (length 0); {@code BUFFER_TOO_SMALL} (the destination had
 * fewer bytes remaining than the block: length is the block's, its bytes were skipped); {@code CHECKSUM_MISMATCH}
 * (the bytes failed their CRC32C: the destination's bytes past its position are undefined). A
 * {@link ClusterKvClient} may also report {@code CONNECTION_LOST} / {@code TIMEOUT} for a key none of whose owners
 * could be reached. Only on {@code OK} are the destination's position and limit changed.
 *
 * @param topologyVersion the partition-map version the node reported in its reply, or -1 when it had none; for a
 *                        {@link ClusterKvClient} get, the highest version any node reported
 */
public record GetResult(ErrorCode[] statuses, TierKind[] tiers, int[] lengths, long topologyVersion) {
    /** A result without a topology version. */
    public GetResult(ErrorCode[] statuses, TierKind[] tiers, int[] lengths) {
        this(statuses, tiers, lengths, -1);
    }

    public boolean hit(int i) {
        return statuses[i] == ErrorCode.OK;
    }

    public int hits() {
        int n = 0;
        for (ErrorCode s : statuses) {
            if (s == ErrorCode.OK) {
                n++;
            }
        }
        return n;
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
