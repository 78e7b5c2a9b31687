package io.spillway.perf.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A benchmark node killed with SIGKILL (as the failover bench does) leaves its media-driver directory in
 * {@code /dev/shm}, about 47 MB; closing the launcher removes it.
 */
class SpillwayServerProcessLeftoversIT {
    @TempDir
    Path runDir;

    @Test
    void closingAKilledNodeRemovesItsDriverDirectory() throws Exception {
        SpillwayServerProcess node = SpillwayServerProcess.start(runDir, "64m", "64m",
            List.of("--set", "spillway.server.maxBlockBytes=1m"), List.of());
        Path driver = node.driverDirectory();
        try {
            assertTrue(Files.isDirectory(driver), "the node's driver directory while it runs: " + driver);
            assertEquals(137, node.process().kill(), "SIGKILL");
            assertTrue(Files.isDirectory(driver), "left behind by the SIGKILL");
        } finally {
            node.close();
        }
        assertFalse(Files.exists(driver), "removed when the launcher closed");
    }
}
