package io.spillway.placement.index;

import java.util.concurrent.locks.StampedLock;

/**
 * One shard of {@link BlockLocationIndex}: the keys whose hash's top bits name it, in a {@link KeyTable} of its own
 * under a lock of its own, so that writers of different shards run at once.
 */
final class Shard {
    final StampedLock lock = new StampedLock();
    final KeyTable keys;

    Shard(KeyTable keys) {
        this.keys = keys;
    }
}
