package io.spillway.server.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.server.events.EventsContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * What a SIGKILL leaves in {@code /dev/shm} (issue 21): a killed node's media-driver directory stays, since its
 * driver never ran its shutdown; the next node to start on the host removes it once its heartbeat is older than
 * {@code spillway.events.deadDriverTimeoutMs}, and a node stopped gracefully removes its own. Counted by the two
 * nodes' own directories, so other tests' drivers on the same host cannot disturb the count.
 */
class CrashLeftoversIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final List<String> ARGS = List.of("--cpu-capacity", "4m", "--nvme-capacity", "64m",
        "--set", "spillway.server.ioThreads=1", "--set", "spillway.server.maxBlockBytes=1m",
        "--set", "spillway.events.deadDriverTimeoutMs=1000");

    @Test
    void aKilledNodesDriverDirectoryIsReclaimedByTheNextNodeToStart() throws Exception {
        Path base = Path.of("target", "it", "CrashLeftoversIT").toAbsolutePath();
        Set<Integer> taken = new HashSet<>();
        NodeProcess a = new NodeProcess("crash-a", base.resolve("a"), NodeCluster.freePort(taken),
            NodeCluster.freePort(taken), NodeCluster.freePort(taken), ARGS);
        NodeProcess b = new NodeProcess("crash-b", base.resolve("b"), NodeCluster.freePort(taken),
            NodeCluster.freePort(taken), NodeCluster.freePort(taken), ARGS);
        Path aDriver = EventsContext.defaultDriverDirectory(a.dataDir());
        Path bDriver = EventsContext.defaultDriverDirectory(b.dataDir());
        try {
            a.start().awaitReady(TIMEOUT);
            assertTrue(Files.isDirectory(aDriver), "a's driver directory while it runs: " + aDriver);

            assertEquals(128 + 9, a.kill(), "SIGKILL");
            assertTrue(Files.isDirectory(aDriver), "a SIGKILL leaves the driver's directory behind");
            Thread.sleep(1_500); // past b's deadDriverTimeoutMs since a's driver last beat its heartbeat

            b.start().awaitReady(TIMEOUT);
            assertFalse(Files.exists(aDriver), "b reclaimed the dead node's directory at start");
            assertTrue(Files.isDirectory(bDriver), "and kept its own");
            assertTrue(b.log(200).contains("reclaimed"), "and said so: " + b.log());

            assertEquals(143, b.terminate(TIMEOUT), "SIGTERM: a graceful stop");
            assertFalse(Files.exists(bDriver), "a node stopped gracefully removes its own directory");
        } finally {
            a.destroyQuietly();
            b.destroyQuietly();
        }
    }

    /** The harness's own clean-up: a cluster closed with SIGKILL leaves no driver directory behind. */
    @Test
    void aClusterClosedBySigkillLeavesNoDriverDirectory() throws Exception {
        Path driver;
        try (NodeCluster cluster = NodeCluster.start(1, Path.of("target", "it", "CrashLeftoversIT-cluster"), ARGS)) {
            driver = EventsContext.defaultDriverDirectory(cluster.node(0).dataDir());
            assertTrue(Files.isDirectory(driver), "the node's driver directory while it runs");
        }
        assertFalse(Files.exists(driver), "removed by the harness after its SIGKILL");
    }
}
