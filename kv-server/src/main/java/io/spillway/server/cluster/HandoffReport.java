package io.spillway.server.cluster;

/**
 * What one hand-off did: blocks and bytes acknowledged by their new owners, blocks that could not be delivered
 * before the deadline (or were refused for good), blocks freed before they could be read, and how long it took.
 */
public record HandoffReport(long pushedBlocks, long pushedBytes, long failedBlocks, long vanishedBlocks,
                            int targets, long millis, boolean cancelled) {
    @Override
    public String toString() {
        return String.format("%d blocks (%.1f MiB) to %d nodes in %d ms; %d failed, %d freed before reading%s",
            pushedBlocks, pushedBytes / 1048576.0, targets, millis, failedBlocks, vanishedBlocks,
            cancelled ? "; cancelled by a newer map" : "");
    }
}
