package io.spillway.server;

import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The namespaces this node serves, by id. Lookups are lock-free (the data plane asks for every request);
 * registrations are rare, serialised, and persisted to {@code namespaces.properties} under the data dir
 * (written to a temporary file, then moved into place) so a restarted node still knows them.
 */
public final class NamespaceRegistry {
    static final String FILE = "namespaces.properties";

    private final Map<BlockKey, Namespace> byId = new ConcurrentHashMap<>();
    private final Path file;

    private NamespaceRegistry(Path file) {
        this.file = file;
    }

    /** Loads the registry persisted under {@code dataDir} (empty when there is none yet). */
    public static NamespaceRegistry open(Path dataDir) {
        NamespaceRegistry r = new NamespaceRegistry(dataDir.resolve(FILE));
        if (Files.exists(r.file)) {
            Properties p = new Properties();
            try (Reader in = Files.newBufferedReader(r.file, StandardCharsets.UTF_8)) {
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read namespaces from " + r.file, e);
            }
            for (String name : p.stringPropertyNames()) {
                if (name.endsWith(".modelId")) {
                    String hex = name.substring(0, name.length() - ".modelId".length());
                    r.byId.put(BlockKey.fromHex(hex), NamespaceCodec.read(p, hex));
                }
            }
        }
        return r;
    }

    /** Registers {@code ns} under {@code ns.id()}, idempotently, and returns the id. */
    public BlockKey register(Namespace ns) {
        return register(ns.id(), ns);
    }

    /** Registers under an explicit id (tests, and ids computed elsewhere). */
    synchronized BlockKey register(BlockKey id, Namespace ns) {
        Namespace prev = byId.putIfAbsent(id, ns);
        if (prev == null) {
            persist();
        } else if (!prev.equals(ns)) {
            throw new IllegalArgumentException("namespace id " + id + " is already registered for " + prev
                + ", not " + ns);
        }
        return id;
    }

    public boolean isRegistered(BlockKey id) {
        return byId.containsKey(id);
    }

    public Namespace get(BlockKey id) {
        return byId.get(id);
    }

    public Map<BlockKey, Namespace> all() {
        return Map.copyOf(byId);
    }

    public int size() {
        return byId.size();
    }

    private void persist() {
        Properties p = new Properties();
        byId.forEach((id, ns) -> NamespaceCodec.write(p, id.toHex(), ns));
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(FILE + ".tmp");
            try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(out, "Spillway registered namespaces: <id>.<field>=<value>");
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot persist namespaces to " + file, e);
        }
    }
}
