package io.spillway.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What a SIGKILLed owner's host segments become (issue 21, crash leftovers): a child JVM makes a segment through the
 * bridge; while it lives, the segment stays even under a name whose pid is dead here (a hard link: what an owner in
 * another pid namespace looks like), because its owner lock holds; once it is killed, the segment is removed. Names
 * of other shapes and this process's own are never touched.
 */
class OrphanedSegmentsTest {
    private static final Path SHM = OrphanedSegments.SHM;
    private static final String PREFIX = SegmentPolicy.PREFIX_DEFAULT;

    @Test
    void aLiveOwnersSegmentStaysAndAKilledOwnersIsRemoved() throws Exception {
        assertTrue(Files.isDirectory(SHM), "POSIX shared memory lives in /dev/shm here");
        Process owner = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp", System.getProperty("java.class.path"), SegmentOwnerMain.class.getName())
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Path alias = SHM.resolve(PREFIX + deadPid() + "-0");
        try {
            String name = new BufferedReader(new InputStreamReader(owner.getInputStream(), StandardCharsets.US_ASCII))
                .readLine();
            assertTrue(name != null && name.startsWith("/" + PREFIX + owner.pid() + "-"), "segment name: " + name);
            Path segment = SHM.resolve(name.substring(1));
            assertTrue(Files.isRegularFile(segment), segment + " exists while its owner runs");

            Files.createLink(alias, segment); // the live owner's segment under a dead pid's name
            List<Path> removed = OrphanedSegments.reap(SHM, PREFIX);
            assertFalse(removed.contains(alias) || removed.contains(segment), "removed " + removed);
            assertTrue(Files.exists(alias), "a segment whose owner holds its lock stays, whatever its name's pid");
            assertTrue(Files.exists(segment), "and so does the owner's own name");
            Files.delete(alias);

            owner.destroyForcibly();
            assertTrue(owner.waitFor(30, TimeUnit.SECONDS), "the owner died");
            assertTrue(Files.exists(segment), "a SIGKILL leaves the segment behind");
            removed = OrphanedSegments.reap(SHM, PREFIX);
            assertTrue(removed.contains(segment), "the dead owner's segment is removed: " + removed);
            assertFalse(Files.exists(segment));
        } finally {
            owner.destroyForcibly();
            Files.deleteIfExists(alias);
        }
    }

    @Test
    void onlyTheBridgesOwnNamesOfOtherProcessesAreCandidates() throws IOException {
        long self = ProcessHandle.current().pid();
        Path mine = SHM.resolve(PREFIX + self + "-77");
        Path python = SHM.resolve(PREFIX + "py-" + Long.toHexString(System.nanoTime()));
        Path dead = SHM.resolve(PREFIX + deadPid() + "-9");
        try {
            for (Path p : List.of(mine, python, dead)) {
                Files.write(p, new byte[4096]);
            }
            List<Path> removed = OrphanedSegments.reap(SHM, PREFIX);
            assertTrue(removed.contains(dead), "an unlocked segment of a dead pid is removed: " + removed);
            assertFalse(Files.exists(dead));
            assertTrue(Files.exists(mine), "this process's own segment stays");
            assertTrue(Files.exists(python), "the Python connector's names are not the bridge's to remove");
            assertEquals(List.of(), OrphanedSegments.reap(SHM.resolve("absent"), PREFIX), "no directory, nothing");
        } finally {
            for (Path p : List.of(mine, python, dead)) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** A pid no process has here. */
    private static long deadPid() {
        for (long pid = 4_000_000; pid > 1_000; pid--) {
            if (ProcessHandle.of(pid).isEmpty()) {
                return pid;
            }
        }
        throw new IllegalStateException("no free pid");
    }
}
