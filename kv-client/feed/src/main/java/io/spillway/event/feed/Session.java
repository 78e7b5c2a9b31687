package io.spillway.event.feed;

import java.util.ArrayDeque;

/** What a subscriber knows of one publisher session (one run of one node). Agent thread only. */
final class Session {
    enum Phase {
        /** Messages seen, but no heartbeat yet: the node and where to ask for a snapshot are unknown. */
        WAITING_FOR_STATUS,
        /** A snapshot is being loaded; messages are held back. */
        LOADING,
        /** Applying messages in sequence. */
        LIVE,
        /** The session ended (left, superseded or lost); its messages are ignored. */
        ENDED
    }

    final long id;
    String nodeId;
    String controlHost;
    int controlPort;
    int aeronSessionId;
    Phase phase = Phase.WAITING_FOR_STATUS;
    long lastSequence;
    long lastHeardNanos;
    /** When a failed snapshot may be asked for again; 0 when none is due. */
    long retryAtNanos;
    /** The session was lost while its snapshot loaded: forget the node once the load is done. */
    boolean lostWhileLoading;
    final ArrayDeque<byte[]> held = new ArrayDeque<>();
    long heldBytes;

    Session(long id) {
        this.id = id;
    }

    boolean knowsNode() {
        return nodeId != null;
    }

    void clearHeld() {
        held.clear();
        heldBytes = 0;
    }

    @Override
    public String toString() {
        return "session " + Long.toHexString(id) + " of " + nodeId + " (" + phase + ", seq " + lastSequence + ")";
    }
}
