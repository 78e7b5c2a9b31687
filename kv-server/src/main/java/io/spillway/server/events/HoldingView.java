package io.spillway.server.events;

import io.spillway.tier.TierKind;

/** Whether a tier of this node holds a key now: what the publisher reads when it gets to a changed key. */
@FunctionalInterface
public interface HoldingView {
    /** {@code false} for a tier the node does not have. */
    boolean holds(TierKind tier, long hi, long lo);
}
