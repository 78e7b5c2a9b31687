package io.spillway.placement.index;

import java.util.Locale;
import java.util.Objects;

/**
 * A place a block can be loaded from: a pod's own memory (a vLLM pod's GPU, or its local CPU/disk offload as its
 * events' {@code medium} says), or a tier of a Spillway cluster node, which any pod can load from.
 *
 * @param kind  whose memory it is
 * @param owner the pod's name or address (the vLLM event topic's {@code <pod-ip>:<port>}), or the node's id
 * @param medium the memory within that owner
 */
public record Location(Kind kind, String owner, Medium medium) {
    /** Whose memory a location is. */
    public enum Kind {
        /** A model-server pod's own memory: only that pod hits on it. */
        POD,
        /** A Spillway cluster node's tier: any pod can load from it. */
        NODE,
        /**
         * Blocks a router just sent a pod, not yet confirmed by the pod's events (speculative entries,
         * {@link io.spillway.placement.routing.SpeculativeBlocks}): matched as that pod's GPU.
         */
        ROUTED
    }

    public Location {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(medium, "medium");
        if (owner == null || owner.isEmpty()) {
            throw new IllegalArgumentException("a location needs an owner (pod or node id), got '" + owner + "'");
        }
    }

    public static Location pod(String pod, Medium medium) {
        return new Location(Kind.POD, pod, medium);
    }

    /** The speculative entries of blocks routed to {@code pod}, to be held in its GPU once prefilled. */
    public static Location routed(String pod) {
        return new Location(Kind.ROUTED, pod, Medium.GPU);
    }

    public static Location node(String node, Medium medium) {
        return new Location(Kind.NODE, node, medium);
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(Locale.ROOT) + ":" + owner + "/" + medium;
    }
}
