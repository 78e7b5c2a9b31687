package io.spillway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.server.cluster.ClusterContext;
import io.spillway.server.cluster.IgniteMembership;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster's join secret (docs/security.md): a node that shows no secret or a wrong one is refused at join and the
 * members' map never lists it; a node with the secret joins. Real embedded Ignite nodes on loopback (discovery
 * 29100+, communication 29200+, below the ephemeral range).
 */
class JoinSecretTest {

    @TempDir
    Path dir;

    private final List<SpillwayServer> started = new ArrayList<>();

    @AfterEach
    void stop() {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    private SpillwayServer node(String name, Path secret) {
        ServerContext.Builder b = TestNode.member(dir, name, 29100, 29200, 3);
        if (secret != null) {
            b.cluster("joinSecretFile", secret.toString());
        }
        SpillwayServer s = SpillwayServer.start(b.build());
        started.add(s);
        return s;
    }

    private Path secret(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text + "\n", StandardCharsets.UTF_8);
        return p;
    }

    @Test
    void aNodeWithoutTheSecretOrWithAWrongOneIsRefusedAndOneWithItJoins() throws Exception {
        Path good = secret("good", "s3cret-of-the-cluster-0123456789");
        SpillwayServer a = node("node-a", good);

        RuntimeException none = assertThrows(RuntimeException.class, () -> node("node-b", null));
        assertTrue(causes(none).contains("join secret"), "the refused node says why: " + causes(none));
        RuntimeException wrong = assertThrows(RuntimeException.class,
            () -> node("node-c", secret("wrong", "not-the-cluster-secret-9876543210")));
        assertTrue(causes(wrong).contains("wrong join secret"), "the refused node says why: " + causes(wrong));
        assertEquals(1, a.cluster().currentMap().nodes().size(), "the refused nodes never entered the map");
        assertEquals(2, ((IgniteMembership) a.cluster()).refusedJoins(), "each refusal counted by the member");

        SpillwayServer d = node("node-d", good);
        ClusterNodesTest.await(() -> a.cluster().currentMap().nodes().size() == 2
            && d.cluster().currentMap().nodes().size() == 2, "the node with the secret joins");
    }

    @Test
    void aSecretTooShortOrUnreadableIsRefusedAtStart() throws Exception {
        IllegalArgumentException tooShort = assertThrows(IllegalArgumentException.class,
            () -> new IgniteMembership(clusterWithSecret(secret("short", "tooshort"))));
        assertTrue(tooShort.getMessage().contains("at least 16"), tooShort.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
            () -> new IgniteMembership(clusterWithSecret(dir.resolve("absent"))));
        assertTrue(missing.getMessage().contains("cannot read"), missing.getMessage());
    }

    private ClusterContext clusterWithSecret(Path file) {
        return ClusterContext.from(Map.of(ClusterContext.ENABLED_PROP, "true", ClusterContext.JOIN_SECRET_FILE_PROP,
            file.toString()), Map.of(), dir);
    }

    private static String causes(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            b.append(c.getMessage()).append(" | ");
        }
        return b.toString();
    }
}
