package io.spillway.server;

import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.server.cluster.NamespaceStore;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The namespaces this node serves, by id. Lookups are lock-free (the data plane asks for every request);
 * registrations are rare, serialised, and persisted to {@code namespaces.properties} under the data dir
 * (written to a temporary file, then moved into place) so a restarted node still knows them.
 *
 * <p>In a cluster the registry is also backed by the replicated {@link NamespaceStore} ({@link #replicate}):
 * registrations go to the store (so every member admits the namespace), a local miss is looked up in the store
 * before a namespace is called unknown, and the namespaces this node knew before joining are pushed to the store,
 * so a cluster restarted from scratch gets its namespaces back.
 */
public final class NamespaceRegistry {
    static final String FILE = "namespaces.properties";

    private final Map<BlockKey, Namespace> byId = new ConcurrentHashMap<>();
    private final Map<BlockKey, Integer> replication = new ConcurrentHashMap<>();
    private final Path file;
    private volatile NamespaceStore store;
    private volatile int maxNamespaces = ServerContext.MAX_NAMESPACES_DEFAULT;
    private final LongAdder refused = new LongAdder();

    /** Thrown when a new namespace would pass {@link ServerContext#MAX_NAMESPACES_PROP}. */
    public static final class LimitReachedException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        LimitReachedException(String message) {
            super(message);
        }
    }

    private NamespaceRegistry(Path file) {
        this.file = file;
    }

    /** Loads the registry persisted under {@code dataDir} (empty when there is none yet). */
    public static NamespaceRegistry open(Path dataDir) {
        NamespaceRegistry r = new NamespaceRegistry(dataDir.resolve(FILE));
        Properties p = PropertiesFile.load(r.file, "namespaces");
        for (String name : p.stringPropertyNames()) {
            if (name.endsWith(".modelId")) {
                String hex = name.substring(0, name.length() - ".modelId".length());
                r.byId.put(BlockKey.fromHex(hex), NamespaceCodec.read(p, hex));
                String factor = p.getProperty(hex + ".replication");
                if (factor != null) {
                    r.replication.put(BlockKey.fromHex(hex), Integer.parseInt(factor));
                }
            }
        }
        return r;
    }

    /** Registers {@code ns} under {@code ns.id()}, idempotently, and returns the id. */
    public BlockKey register(Namespace ns) {
        return register(ns.id(), ns);
    }

    /**
     * Registers {@code ns} with a replication factor ({@code 0}: the cluster's default for a new namespace, and
     * no change for a registered one); a factor different from the registered one replaces it.
     */
    public BlockKey register(Namespace ns, int replication) {
        return register(ns.id(), ns, replication);
    }

    /** Registers under an explicit id (tests, and ids computed elsewhere). */
    BlockKey register(BlockKey id, Namespace ns) {
        return register(id, ns, 0);
    }

    synchronized BlockKey register(BlockKey id, Namespace ns, int factor) {
        if (factor < 0) {
            throw new IllegalArgumentException("replication must be >= 0, got " + factor);
        }
        if (!byId.containsKey(id) && fetch(id) == null) {
            int registered = size();
            if (registered >= maxNamespaces) {
                refused.increment();
                throw new LimitReachedException("namespace limit reached: " + registered + " registered, "
                    + ServerContext.MAX_NAMESPACES_PROP + "=" + maxNamespaces + "; " + ns + " was not registered");
            }
        }
        NamespaceStore s = store;
        if (s != null) {
            NamespaceStore.Entry e = s.register(id, specText(ns), factor);
            if (!e.spec().equals(specText(ns))) {
                throw new IllegalArgumentException("namespace id " + id + " is already registered for "
                    + fromSpecText(e.spec()) + ", not " + ns);
            }
            remember(id, ns, e.replication());
            return id;
        }
        Namespace prev = byId.get(id);
        if (prev != null && !prev.equals(ns)) {
            throw new IllegalArgumentException("namespace id " + id + " is already registered for " + prev
                + ", not " + ns);
        }
        remember(id, ns, factor == 0 ? replication.getOrDefault(id, 0) : factor);
        return id;
    }

    private void remember(BlockKey id, Namespace ns, int factor) {
        Namespace prev = byId.putIfAbsent(id, ns);
        Integer before = factor > 0 ? replication.put(id, factor) : replication.get(id);
        if (prev == null || (factor > 0 && (before == null || before != factor))) {
            persist();
        }
    }

    /**
     * From now on, registrations and unknown-namespace lookups go through the cluster's replicated {@code store};
     * the namespaces known here are pushed to it first (keeping the store's entry where both know one).
     */
    public synchronized void replicate(NamespaceStore store) {
        for (Map.Entry<BlockKey, Namespace> e : byId.entrySet()) {
            NamespaceStore.Entry stored = store.register(e.getKey(), specText(e.getValue()),
                store.get(e.getKey()) == null ? replication.getOrDefault(e.getKey(), 0) : 0);
            if (stored.replication() > 0) {
                replication.put(e.getKey(), stored.replication());
            }
        }
        this.store = store;
    }

    /** New namespaces are refused ({@link LimitReachedException}) once {@code max} are registered. */
    public void maxNamespaces(int max) {
        if (max < 1) {
            throw new IllegalArgumentException(ServerContext.MAX_NAMESPACES_PROP + " must be >= 1, got " + max);
        }
        maxNamespaces = max;
    }

    /** Registrations refused because the limit was reached. */
    public long refused() {
        return refused.sum();
    }

    public boolean isRegistered(BlockKey id) {
        return byId.containsKey(id) || fetch(id) != null;
    }

    public Namespace get(BlockKey id) {
        Namespace ns = byId.get(id);
        return ns != null ? ns : fetch(id);
    }

    /** The tenant of a registered namespace, or null for an unknown id; the data plane asks on every block. */
    public String tenantOf(BlockKey id) {
        Namespace ns = byId.get(id);
        if (ns == null) {
            ns = fetch(id);
        }
        return ns == null ? null : ns.tenant();
    }

    /** The namespace's replication factor, {@code 0} when it uses the cluster's default (or is unknown). */
    public int replication(BlockKey id) {
        NamespaceStore s = store;
        if (s != null) {
            NamespaceStore.Entry e = s.get(id);
            if (e != null) {
                return e.replication();
            }
        }
        return replication.getOrDefault(id, 0);
    }

    public Map<BlockKey, Namespace> all() {
        NamespaceStore s = store;
        if (s == null) {
            return Map.copyOf(byId);
        }
        Map<BlockKey, Namespace> out = new HashMap<>(byId);
        s.all().forEach((id, e) -> out.computeIfAbsent(id, k -> fromSpecText(e.spec())));
        return Map.copyOf(out);
    }

    public int size() {
        return store == null ? byId.size() : all().size();
    }

    /** A namespace another member registered: taken from the store and remembered here. */
    private Namespace fetch(BlockKey id) {
        NamespaceStore s = store;
        if (s == null) {
            return null;
        }
        NamespaceStore.Entry e = s.get(id);
        if (e == null) {
            return null;
        }
        Namespace ns = fromSpecText(e.spec());
        synchronized (this) {
            remember(id, ns, e.replication());
        }
        return ns;
    }

    /** The spec as deterministic text (sorted {@code field=value} lines): equal namespaces, equal text. */
    static String specText(Namespace ns) {
        Properties p = new Properties();
        NamespaceCodec.write(p, "ns", ns);
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(p).forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
        return sb.toString();
    }

    static Namespace fromSpecText(String text) {
        Properties p = new Properties();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                p.setProperty(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return NamespaceCodec.read(p, "ns");
    }

    private void persist() {
        Properties p = new Properties();
        byId.forEach((id, ns) -> NamespaceCodec.write(p, id.toHex(), ns));
        replication.forEach((id, r) -> p.setProperty(id.toHex() + ".replication", String.valueOf(r)));
        PropertiesFile.store(file, p, "Spillway registered namespaces: <id>.<field>=<value>", "namespaces");
    }
}
