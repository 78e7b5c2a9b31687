package io.spillway.server.cluster;

import io.spillway.cluster.NodeInfo;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;

/**
 * Whether any of a member's peers can be reached: a TCP connect to its HTTP port (the probe port, which every node
 * opens in plaintext and which logs nothing for a connection closed unused), closed at once. A cut-off member asks
 * this before it restarts Ignite to rejoin: a peer that accepts a connection means the partition has healed, at least
 * towards that peer.
 */
final class PeerProbe {
    private PeerProbe() {
    }

    /** Whether one of {@code peers} accepts a connection within {@code timeoutMs}; tried in order, one at a time. */
    static boolean anyReachable(List<NodeInfo> peers, int timeoutMs) {
        for (NodeInfo p : peers) {
            if (reachable(p, timeoutMs)) {
                return true;
            }
        }
        return false;
    }

    static boolean reachable(NodeInfo peer, int timeoutMs) {
        int port = peer.httpPort() > 0 ? peer.httpPort() : peer.dataPort();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(peer.host(), port), timeoutMs);
            return true;
        } catch (IOException | IllegalArgumentException e) {
            return false; // refused, timed out, unresolvable
        }
    }
}
