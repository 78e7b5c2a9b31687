package io.spillway.client;

import io.spillway.protocol.ErrorCode;
import io.spillway.tier.TierKind;

/**
 * Per-block outcome of a batch get, in request order: status ({@code OK} or {@code NOT_FOUND}), the tier a hit
 * came from ({@code null} on a miss) and its length in bytes (0 on a miss).
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
