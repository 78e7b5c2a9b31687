package io.spillway.client;

import io.spillway.protocol.ErrorCode;
import io.spillway.tier.TierKind;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Client-verified reads (docs/protocol.md, "Client-verified reads"): a GET_BATCH tells the node that this client
 * checks every block's CRC32C, so the node serves CPU-tier hits without its own pass. Blocks that fail our check are
 * read once more without the flag: the node then checks them itself, drops a block whose memory is corrupt (its
 * valid NVMe copy is served instead, or the read misses) and serves again a block that was only damaged on the way.
 * The node never drops a block on a client's word, so a client cannot delete what is intact; a block that fails the
 * second read too stays {@code CHECKSUM_MISMATCH}, never a hit.
 */
final class ChecksumRecheck {
    private ChecksumRecheck() {
    }

    /**
     * {@code first}'s result as it is when every block passed, else merged with the recheck of those that did not
     * ({@code submit} sends it). A recheck that fails as a whole leaves the first result's mismatches as they are.
     */
    static CompletableFuture<GetResult> afterGet(GetRequest first, GetResult result,
                                                 Function<GetRequest, CompletableFuture<GetResult>> submit) {
        int n = result.count(ErrorCode.CHECKSUM_MISMATCH);
        if (n == 0) {
            return CompletableFuture.completedFuture(result);
        }
        int[] indexes = new int[n];
        for (int i = 0, j = 0; j < n; i++) {
            if (result.statuses()[i] == ErrorCode.CHECKSUM_MISMATCH) {
                indexes[j++] = i;
            }
        }
        return submit.apply(first.recheck(indexes))
            .handle((again, failure) -> failure != null ? result : merge(result, indexes, again));
    }

    private static GetResult merge(GetResult result, int[] indexes, GetResult again) {
        ErrorCode[] statuses = result.statuses().clone();
        TierKind[] tiers = result.tiers().clone();
        int[] lengths = result.lengths().clone();
        for (int j = 0; j < indexes.length; j++) {
            statuses[indexes[j]] = again.statuses()[j];
            tiers[indexes[j]] = again.tiers()[j];
            lengths[indexes[j]] = again.lengths()[j];
        }
        return new GetResult(statuses, tiers, lengths, Math.max(result.topologyVersion(), again.topologyVersion()));
    }
}
