package io.spillway.perf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The scratch directory of one bench run (under {@code java.io.tmpdir}, which bin/spillway points into the
 * repository's target/): servers' data and logs. Removed when the run ends cleanly; kept, with its logs, when not.
 */
public final class RunDir implements AutoCloseable {
    private final Path path;
    private boolean keep;

    private RunDir(Path path) {
        this.path = path;
    }

    public static RunDir create(String prefix) {
        try {
            Path base = Path.of(System.getProperty("java.io.tmpdir"));
            Files.createDirectories(base);
            return new RunDir(Files.createTempDirectory(base, prefix));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a run directory under " + System.getProperty("java.io.tmpdir"), e);
        }
    }

    public Path path() {
        return path;
    }

    /** Keeps the directory (and its logs) after the run, e.g. because something failed. */
    public void keep() {
        keep = true;
    }

    @Override
    public void close() {
        if (keep) {
            System.err.println("run directory kept (logs): " + path);
            return;
        }
        deleteTree(path);
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("could not remove " + root + ": " + e);
        }
    }
}
