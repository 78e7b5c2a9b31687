package io.spillway.tier;

import io.spillway.key.BlockKey;

/**
 * Told when a tier's holding of a key may have changed: a block stored, removed, evicted, demoted away, promoted in,
 * or dropped as corrupt. The call says only "look again": it comes after the change, on the thread that made it,
 * possibly under the tier's own locks, and calls from different threads may arrive in any order. A listener that
 * needs the truth reads {@link BlockTier#contains} after the call; since every change is followed by a call, the last
 * read after the last call is the tier's state (the event feed publishes on that rule, docs/events.md).
 *
 * <p>Implementations must be fast, must not block and must not call back into the tier from inside the call.
 */
@FunctionalInterface
public interface TierListener {
    /** The listener of a tier nobody watches. */
    TierListener NONE = (tier, key) -> { };

    void onChange(TierKind tier, BlockKey key);
}
