package io.spillway.bridge;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes the host backend's shared-memory segments ({@code /dev/shm/<prefix><pid>-<n>}) that a process killed with
 * SIGKILL left behind: memory nobody frees until the host (or the pod) goes. A segment is an orphan only when this
 * process can take a write lock over the whole file: its owner holds a shared open-file-description lock for as long
 * as the segment lives (the C side's {@code shm_owner_lock}), and the kernel drops it when the owner dies, so a live
 * owner's segment is never removed, even from another pid namespace sharing the same {@code /dev/shm}. Segments of
 * this process and of a pid alive here are left too (a segment of an older bridge, made before the lock, is only
 * removed when its pid is gone), and so are names of other shapes, such as the Python connector's
 * {@code spillway-py-*}.
 */
public final class OrphanedSegments {
    private static final Logger LOG = System.getLogger(OrphanedSegments.class.getName());
    /** Where glibc keeps POSIX shared memory. */
    public static final Path SHM = Path.of("/dev/shm");

    private OrphanedSegments() {
    }

    /** Removes the orphaned segments named {@code <prefix><pid>-<n>} in {@code dir}; returns those removed. */
    public static List<Path> reap(Path dir, String prefix) {
        Pattern shape = Pattern.compile(Pattern.quote(prefix) + "(\\d{1,10})-(\\d{1,19})");
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return removed;
        }
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, p -> Files.isRegularFile(p))) {
            for (Path file : files) {
                Matcher m = shape.matcher(file.getFileName().toString());
                if (!m.matches()) {
                    continue;
                }
                long pid = Long.parseLong(m.group(1));
                if (pid == self || ProcessHandle.of(pid).isPresent()) {
                    continue;
                }
                try {
                    if (removeIfUnowned(file)) {
                        removed.add(file);
                    }
                } catch (IOException | OverlappingFileLockException e) {
                    LOG.log(Level.DEBUG, "leaving shared-memory segment " + file + ": " + e);
                }
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot list " + dir + " for orphaned shared-memory segments: " + e);
        }
        if (!removed.isEmpty()) {
            LOG.log(Level.INFO, "removed " + removed.size() + " orphaned shared-memory segment"
                + (removed.size() == 1 ? "" : "s") + " of dead processes: "
                + removed.subList(0, Math.min(5, removed.size())) + (removed.size() > 5 ? " ..." : ""));
        }
        return removed;
    }

    /** Deletes {@code file} while holding a write lock over it, which no live owner's shared lock allows. */
    private static boolean removeIfUnowned(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            try (FileLock lock = ch.tryLock()) {
                if (lock == null) {
                    return false; // its owner lives
                }
                Files.delete(file);
                return true;
            }
        }
    }
}
