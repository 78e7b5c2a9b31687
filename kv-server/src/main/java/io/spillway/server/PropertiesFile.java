package io.spillway.server;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

/**
 * The node's small metadata files under the data dir (registered namespaces, tenant quotas): read whole, and
 * written whole through a temporary file moved into place, so a crash mid-write leaves the old file, never half a
 * new one.
 */
final class PropertiesFile {
    private PropertiesFile() {
    }

    /** The file's properties, or none when it does not exist; {@code what} names it in errors. */
    static Properties load(Path file, String what) {
        Properties p = new Properties();
        if (Files.exists(file)) {
            try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + what + " from " + file, e);
            }
        }
        return p;
    }

    /** Replaces the file with {@code p}, atomically. */
    static void store(Path file, Properties p, String comment, String what) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(out, comment);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot persist " + what + " to " + file, e);
        }
    }
}
