package io.spillway.server.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.server.events.EventsContext;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
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

    /**
     * Ten SIGKILL-and-restart cycles of one node (same data directory, as a pod's restarted container): afterwards
     * {@code /dev/shm} holds one node's worth, its one driver directory, not ten. Measured as the file system's used
     * bytes before the first start and after the last restart (the node still running), against the apparent size
     * of the node's directory; and as the feed directories that are new since the start, which must be the node's
     * own only.
     */
    @Test
    void tenSigkillAndRestartCyclesLeaveOneNodesWorthOfSharedMemory() throws Exception {
        Path shm = Path.of("/dev/shm");
        assertTrue(Files.isDirectory(shm), "this test counts /dev/shm, where the node puts its driver directory");
        Path base = Path.of("target", "it", "CrashLeftoversIT-cycles").toAbsolutePath();
        Set<Integer> taken = new HashSet<>();
        NodeProcess node = new NodeProcess("cycles", base, NodeCluster.freePort(taken), NodeCluster.freePort(taken),
            NodeCluster.freePort(taken), ARGS);
        Path driver = EventsContext.defaultDriverDirectory(node.dataDir());
        Set<Path> before = feedDirectories(shm);
        long usedBefore = used(shm);
        try {
            for (int cycle = 0; cycle < 10; cycle++) {
                node.start().awaitReady(TIMEOUT);
                assertEquals(128 + 9, node.kill(), "SIGKILL in cycle " + cycle);
                assertTrue(Files.isDirectory(driver), "the SIGKILL left the directory (cycle " + cycle + ")");
            }
            node.start().awaitReady(TIMEOUT);
            long usedAfter = used(shm);
            long oneNode = apparentSize(driver);
            Set<Path> added = feedDirectories(shm);
            added.removeAll(before);
            System.out.printf("CrashLeftoversIT: /dev/shm used %d MiB before, %d MiB after ten SIGKILL-and-restart"
                + " cycles (+%d MiB); one node's driver directory %d MiB; new feed directories %s%n",
                usedBefore >> 20, usedAfter >> 20, (usedAfter - usedBefore) >> 20, oneNode >> 20, added);
            assertEquals(Set.of(driver), added, "the only new driver directory is the running node's own");
            assertTrue(oneNode > 0, "the running node's directory holds its buffers");
            assertTrue(usedAfter - usedBefore <= oneNode + oneNode / 2, "/dev/shm grew by "
                + ((usedAfter - usedBefore) >> 20) + " MiB, more than one node's " + (oneNode >> 20) + " MiB");
            assertEquals(143, node.terminate(TIMEOUT), "SIGTERM: a graceful stop");
            assertFalse(Files.exists(driver), "and the graceful stop removed it");
        } finally {
            node.destroyQuietly();
            node.reclaimDriverDirectory();
        }
    }

    private static Set<Path> feedDirectories(Path shm) throws IOException {
        try (Stream<Path> dirs = Files.list(shm)) {
            return dirs.filter(p -> p.getFileName().toString().startsWith(EventsContext.DRIVER_DIR_PREFIX))
                .collect(Collectors.toCollection(HashSet::new));
        }
    }

    private static long used(Path shm) throws IOException {
        FileStore store = Files.getFileStore(shm);
        return store.getTotalSpace() - store.getUnallocatedSpace();
    }

    private static long apparentSize(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            long sum = 0;
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                sum += Files.size(p);
            }
            return sum;
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
