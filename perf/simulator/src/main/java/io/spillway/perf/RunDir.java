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
 * repository's target/): servers' data and logs. Removed when the run ends cleanly; when not, its logs are kept and
 * data directories (names ending in {@value #DATA_SUFFIX}) are still removed.
 */
public final class RunDir implements AutoCloseable {
    /** Directories whose name ends so hold server data, removed even when the run directory is kept. */
    public static final String DATA_SUFFIX = "data";

    private final Path path;
    private final Thread onExit;
    private volatile boolean keep;

    private RunDir(Path path) {
        this.path = path;
        // interrupted runs (Ctrl-C, kill) never reach close(): still remove the data, keep the logs
        this.onExit = new Thread(this::removeData, "run-dir-cleanup");
        Runtime.getRuntime().addShutdownHook(onExit);
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
        try {
            Runtime.getRuntime().removeShutdownHook(onExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        if (keep) {
            removeData();
            System.err.println("run directory kept (logs): " + path);
            return;
        }
        deleteTree(path);
    }

    /** Removes server data (directories named {@code *data}) but not the logs: gigabytes of blocks help no one. */
    private void removeData() {
        if (!Files.isDirectory(path)) {
            return;
        }
        try (var children = Files.walk(path, 2)) {
            children.filter(p -> !p.equals(path) && Files.isDirectory(p)
                    && p.getFileName().toString().endsWith(DATA_SUFFIX))
                .toList().forEach(RunDir::deleteTree);
        } catch (IOException e) {
            System.err.println("could not clean data under " + path + ": " + e);
        }
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
