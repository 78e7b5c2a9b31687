package io.spillway.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spillway.cluster.NodeInfo;
import io.spillway.server.harness.NodeCluster;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Rounds driven by hand: a peer nothing reaches is suspected once the wait has passed, a listening one never. */
class ReachabilityWatchTest {
    private static NodeInfo peer(String id, int httpPort) {
        return new NodeInfo(id, "z", "127.0.0.1", 1, 2, httpPort);
    }

    @Test
    void suspectsOnlyPeersUnreachedForTheWholeWait() throws Exception {
        Set<Integer> taken = new HashSet<>();
        int open = NodeCluster.freePort(taken);
        int closed = NodeCluster.freePort(taken);
        List<NodeInfo> peers = List.of(peer("up", open), peer("down", closed));
        try (ServerSocket listening = new ServerSocket(open, 8, InetAddress.getLoopbackAddress())) {
            List<Set<String>> reported = new ArrayList<>();
            try (ReachabilityWatch now = new ReachabilityWatch(() -> peers, 0, 300, reported::add)) {
                now.round();
            }
            assertEquals(List.of(Set.of("down")), reported, "no wait: the closed port at once, the open one never");

            reported.clear();
            try (ReachabilityWatch patient = new ReachabilityWatch(() -> peers, 3_600_000, 300, reported::add)) {
                patient.round();
                patient.round();
            }
            assertEquals(List.of(), reported, "an hour's wait: nobody yet");
        }
    }
}
