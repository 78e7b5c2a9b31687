package io.spillway.client;

import io.spillway.protocol.ErrorCode;
import io.spillway.tier.TierKind;

/**
 * Per-block outcome of a batch get, in request order: status, the tier a hit came from ({@code null} otherwise)
 * and its length in bytes. Statuses: {@code OK}; {@code NOT_FOUND} or {@code INTERNAL} (length 0);
 * {@code BUFFER_TOO_SMALL} (the destination had fewer bytes remaining than the block: length is the block's, its
 * bytes were skipped); {@code CHECKSUM_MISMATCH} (the bytes failed their CRC32C: the destination's bytes past its
 * position are undefined). Only on {@code OK} are the destination's position and limit changed.
 */
public record GetResult(ErrorCode[] statuses, TierKind[] tiers, int[] lengths) {
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
}
