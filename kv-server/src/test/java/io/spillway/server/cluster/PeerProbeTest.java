package io.spillway.server.cluster;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.cluster.NodeInfo;
import io.spillway.server.harness.NodeCluster;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The rejoin loop's probe: a peer whose HTTP port accepts a connection is reachable, a closed port is not. */
class PeerProbeTest {
    private static NodeInfo peer(String id, int httpPort) {
        return new NodeInfo(id, "z", "127.0.0.1", 1, 2, httpPort);
    }

    @Test
    void aPeerIsReachableWhenItsHttpPortAcceptsAndNotWhenNothingListens() throws Exception {
        Set<Integer> taken = new HashSet<>();
        int open = NodeCluster.freePort(taken);
        int closed = NodeCluster.freePort(taken);
        try (ServerSocket listening = new ServerSocket(open, 1, InetAddress.getLoopbackAddress())) {
            assertTrue(PeerProbe.reachable(peer("up", open), 300));
            assertFalse(PeerProbe.reachable(peer("down", closed), 300));
            assertTrue(PeerProbe.anyReachable(List.of(peer("down", closed), peer("up", open)), 300),
                "one reachable peer is enough");
            assertFalse(PeerProbe.anyReachable(List.of(peer("down", closed)), 300));
            assertFalse(PeerProbe.anyReachable(List.of(), 300), "no peer, nothing reachable");
        }
        assertFalse(PeerProbe.reachable(peer("gone", open), 300), "closed again");
    }
}
