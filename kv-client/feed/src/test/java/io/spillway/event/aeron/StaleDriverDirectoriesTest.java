package io.spillway.event.aeron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A media driver's directory is reclaimed once its driver is dead (as a SIGKILL leaves it: the driver stopped without
 * deleting it), never while its driver lives, and only under the prefix asked for.
 */
class StaleDriverDirectoriesTest {
    @TempDir
    Path base;

    /** A driver that stops without deleting its directory: what a killed process leaves. */
    private static void leaveBehind(Path dir) {
        MediaDriver.Context ctx = new MediaDriver.Context().aeronDirectoryName(dir.toString())
            .dirDeleteOnStart(true).dirDeleteOnShutdown(false).threadingMode(ThreadingMode.SHARED);
        MediaDriver.launchEmbedded(ctx).close();
    }

    @Test
    void aDeadDriversDirectoryIsReclaimedALiveOnesIsKept() throws Exception {
        Path dead = base.resolve("spillway-events-dead");
        leaveBehind(dead);
        assertTrue(Files.exists(dead.resolve("cnc.dat")), "the dead driver left its directory");
        Path other = base.resolve("someone-else-dead");
        leaveBehind(other);
        Path live = base.resolve("spillway-events-live");
        try (FeedMedia media = FeedMedia.embedded(FeedMedia.Settings.defaults(live.toString()))) {
            Thread.sleep(1_500); // the dead driver's heartbeat is now older than the timeout below
            List<Path> removed = StaleDriverDirectories.reap(base, "spillway-events-", Duration.ofMillis(1_000));
            assertEquals(List.of(dead), removed);
            assertFalse(Files.exists(dead), "reclaimed");
            assertTrue(Files.exists(live.resolve("cnc.dat")), "a live driver's directory is kept");
            assertTrue(Files.exists(other), "another prefix is not touched");
            assertTrue(media.aeron().countersReader().maxCounterId() > 0, "and its driver still serves");
        }
    }

    @Test
    void aDriverThatDiedBeforeWritingItsFilesIsReclaimedOnlyOnceTheDirectoryIsOld() throws Exception {
        Path fresh = Files.createDirectories(base.resolve("spillway-events-starting"));
        assertEquals(List.of(), StaleDriverDirectories.reap(base, "spillway-events-", Duration.ofSeconds(60)),
            "a directory without cnc.dat that just changed may be a driver starting");
        Files.setLastModifiedTime(fresh, FileTime.from(Instant.now().minusSeconds(120)));
        assertEquals(List.of(fresh), StaleDriverDirectories.reap(base, "spillway-events-", Duration.ofSeconds(60)));
    }
}
