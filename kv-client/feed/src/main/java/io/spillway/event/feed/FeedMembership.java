package io.spillway.event.feed;

import java.net.InetSocketAddress;

/**
 * Who may publish a feed, and where a member's snapshots are fetched: the cluster's partition map, not the feed's
 * own heartbeats. A heartbeat names a node and its control address, and anyone who can send to the subscriber's port
 * can forge one (docs/security.md): without a membership, a forged heartbeat under a member's id replaces that
 * member's session (the subscriber forgets its blocks) and sends the snapshot request to any host. With one, a
 * heartbeat from a node the map does not list is ignored and counted, and the snapshot comes from the address the
 * map gives.
 */
@FunctionalInterface
public interface FeedMembership {
    /** The control-plane address of member {@code nodeId}, or null when the map does not list it. */
    InetSocketAddress controlAddress(String nodeId);
}
