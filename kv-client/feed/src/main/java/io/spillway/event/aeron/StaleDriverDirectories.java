package io.spillway.event.aeron;

import io.aeron.CncFileDescriptor;
import io.aeron.CommonContext;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Finds and removes media-driver directories whose driver is dead: a node or router killed with SIGKILL never runs
 * its driver's {@code dirDeleteOnShutdown}, and its directory (about 47 MB of term buffers in {@code /dev/shm}, which
 * is memory) stays until someone removes it. A directory is dead when Aeron's own check says so
 * ({@link CommonContext#isDriverActive(java.io.File, long, java.util.function.Consumer)}: the driver's heartbeat in
 * its {@code cnc.dat} is older than the timeout), or when it has no {@code cnc.dat} and has not changed for the
 * timeout (a driver that died while starting). A live driver's directory is never touched, so this is safe to run
 * beside other nodes and routers on the same host.
 */
public final class StaleDriverDirectories {
    private static final Logger LOG = System.getLogger(StaleDriverDirectories.class.getName());
    /** Twice Aeron's default driver timeout (10 s): a live driver beats its heartbeat well within it. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

    private StaleDriverDirectories() {
    }

    /**
     * Removes every directory in {@code base} whose name starts with {@code prefix} and whose driver is dead; returns
     * the directories removed. A directory that cannot be read or removed is logged and left.
     */
    public static List<Path> reap(Path base, String prefix, Duration timeout) {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(base)) {
            return removed;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(base, p -> Files.isDirectory(p)
            && p.getFileName().toString().startsWith(prefix))) {
            for (Path dir : dirs) {
                try {
                    if (isDead(dir, timeout)) {
                        deleteTree(dir);
                        removed.add(dir);
                    }
                } catch (IOException | RuntimeException e) {
                    LOG.log(Level.WARNING, "cannot reclaim media-driver directory " + dir + ": " + e);
                }
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot list " + base + " for dead media-driver directories: " + e);
        }
        if (!removed.isEmpty()) {
            LOG.log(Level.INFO, "reclaimed " + removed.size() + " media-driver director"
                + (removed.size() == 1 ? "y" : "ies") + " of dead drivers in " + base + ": "
                + removed.subList(0, Math.min(5, removed.size())) + (removed.size() > 5 ? " ..." : ""));
        }
        return removed;
    }

    /** Whether {@code dir} belongs to no live driver. */
    static boolean isDead(Path dir, Duration timeout) throws IOException {
        Path cnc = dir.resolve(CncFileDescriptor.CNC_FILE);
        if (!Files.exists(cnc)) {
            Instant changed = Files.getLastModifiedTime(dir).toInstant();
            return changed.plus(timeout).isBefore(Instant.now());
        }
        return !CommonContext.isDriverActive(dir.toFile(), timeout.toMillis(), message -> { });
    }

    /**
     * Removes a media-driver directory and everything in it (the harnesses that SIGKILL a node call it for that
     * node's directory); an absent directory is not an error.
     */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** {@code java ... StaleDriverDirectories [BASE [PREFIX]]}: reaps {@code /dev/shm}'s dead feed drivers. */
    public static void main(String[] args) {
        Path base = Path.of(args.length > 0 ? args[0] : "/dev/shm");
        String prefix = args.length > 1 ? args[1] : "spillway-events-";
        List<Path> removed = reap(base, prefix, DEFAULT_TIMEOUT);
        System.out.println("removed " + removed.size() + " dead media-driver directories under " + base);
    }
}
