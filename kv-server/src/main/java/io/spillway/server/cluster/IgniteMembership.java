package io.spillway.server.cluster;

import io.spillway.cluster.NodeInfo;
import io.spillway.cluster.PartitionMap;
import io.spillway.key.BlockKey;
import io.spillway.server.security.MemberSslContexts;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.cache.Cache;
import javax.cache.CacheException;
import javax.cache.configuration.Factory;
import javax.cache.event.CacheEntryEvent;
import javax.net.ssl.SSLContext;
import org.apache.ignite.Ignite;
import org.apache.ignite.IgniteCache;
import org.apache.ignite.Ignition;
import org.apache.ignite.cache.CachePeekMode;
import org.apache.ignite.cache.query.ContinuousQuery;
import org.apache.ignite.cache.query.QueryCursor;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.events.DiscoveryEvent;
import org.apache.ignite.events.Event;
import org.apache.ignite.events.EventType;
import org.apache.ignite.lang.IgnitePredicate;

/**
 * This node's membership in the cluster, through an embedded Ignite server node (membership, failure detection,
 * discovery and the small replicated namespace cache only: block bytes never go into Ignite). On every topology
 * change (join, leave, failure) and every replication change it recomputes the {@link PartitionMap} with
 * {@link AffinityMaps} from the server members of that topology version, and hands it to the listeners.
 *
 * <p>Map version: {@code topologyVersion << 32 | metadataEpoch}. The topology version is Ignite's; the metadata
 * epoch is a cluster-wide counter bumped (in the same transaction) by every registration that sets or changes a
 * namespace's replication factor. Both are the same on every member, so the same version means the same map, and
 * a client that sees a larger version in a response trailer knows to refetch the map, whichever of the two moved.
 *
 * <p>Map work runs on one thread ({@code spillway-cluster}), never on Ignite's discovery thread.
 */
public final class IgniteMembership implements ClusterView {
    private static final Logger LOG = System.getLogger(IgniteMembership.class.getName());

    private final ClusterContext settings;
    private final List<Consumer<PartitionMap>> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "spillway-cluster");
        t.setDaemon(true);
        return t;
    });
    private final JoinSecret joinSecret;
    private final Factory<SSLContext> memberTls;
    private volatile PartitionMap map;
    private volatile NodeInfo self;
    private volatile List<NodeInfo> members = List.of();
    private volatile boolean closed;
    private Ignite ignite;
    private IgniteNamespaceStore namespaces;
    private IgniteTenantStore tenants;
    private QueryCursor<?> metadataQuery;
    private long topologyVersion = -1;
    /** The namespace cache as this node's continuous query has delivered it (events carry the new values). */
    private final Map<String, String> metadata = new ConcurrentHashMap<>();
    /** Malformed namespace entries met (and skipped) while computing maps. */
    private final MalformedMetadata malformedMetadata = new MalformedMetadata();

    public IgniteMembership(ClusterContext settings) {
        this(settings, null);
    }

    /**
     * A membership whose Ignite TLS is {@code memberTls} (the node's own PEM files in {@code mtls} mode) unless
     * {@code spillway.cluster.tls.*} names stores of its own; null: those stores or none.
     */
    public IgniteMembership(ClusterContext settings, Factory<SSLContext> memberTls) {
        this.settings = settings;
        this.memberTls = settings.tls().<Factory<SSLContext>>map(MemberTls::factory).orElse(memberTls);
        this.joinSecret = settings.joinSecretFile().map(JoinSecret::fromFile).orElseGet(JoinSecret::none);
        if (this.memberTls == null) {
            LOG.log(Level.WARNING, "no cluster TLS (" + ClusterContext.TLS_KEY_STORE_PROP + ", or spillway.security."
                + "mode=mtls): discovery and "
                + "communication, the replicated metadata included, cross the network in clear");
        }
        if (!joinSecret.configured()) {
            LOG.log(Level.WARNING, "no join secret (" + ClusterContext.JOIN_SECRET_FILE_PROP + "): any process that "
                + "reaches this node's discovery port can join the cluster and receive its metadata");
        }
        this.map = AffinityMaps.empty(settings.partitions(), settings.replication());
    }

    /**
     * Starts the embedded Ignite node as {@code self} and computes the first map; returns once this node is a
     * member. Before this, the map is empty (the node owns nothing, so the data plane answers NOT_OWNER).
     */
    public synchronized void join(NodeInfo self) {
        if (ignite != null || closed) {
            throw new IllegalStateException("join() once, before close()");
        }
        this.self = self;
        IgnitePredicate<Event> onTopology = evt -> {
            DiscoveryEvent d = (DiscoveryEvent) evt;
            long version = d.topologyVersion();
            Collection<ClusterNode> nodes = List.copyOf(d.topologyNodes());
            submit(() -> topology(version, nodes));
            return true;
        };
        ignite = Ignition.start(IgniteSettings.configuration(settings, self, onTopology, joinSecret, memberTls));
        IgniteCache<String, String> cache = ignite.cache(IgniteSettings.NAMESPACE_CACHE);
        namespaces = new IgniteNamespaceStore(ignite, cache);
        ContinuousQuery<String, String> q = new ContinuousQuery<>();
        q.setLocalListener(events -> {
            for (CacheEntryEvent<?, ?> e : events) { // wildcards: a foreign writer may have stored other types
                Object key = e.getKey();
                Object value = e.getValue();
                if (e.getEventType() == javax.cache.event.EventType.REMOVED || value == null) {
                    metadata.remove(NamespaceRecord.text(key)); // a removal's event carries the old value
                } else {
                    metadata.put(NamespaceRecord.text(key), NamespaceRecord.text(value));
                }
            }
            submit(this::publish);
        });
        metadataQuery = registerDuringJoins(() -> cache.query(q));
        tenants = new IgniteTenantStore(ignite.cache(IgniteSettings.TENANT_CACHE), this::submit,
            malformedMetadata);
        for (Cache.Entry<?, ?> e : local(cache)) {
            Object key = e.getKey();
            Object value = e.getValue();
            if (value != null) {
                metadata.putIfAbsent(NamespaceRecord.text(key), NamespaceRecord.text(value));
            }
        }
        await(() -> {
            long v = ignite.cluster().topologyVersion();
            topology(v, ignite.cluster().topology(v));
        });
        LOG.log(Level.INFO, () -> "node " + self.id() + " joined the cluster: " + map);
    }

    /**
     * Registers the metadata query, again when Ignite refuses it for a topology that moved on meanwhile: members that
     * start together (a StatefulSet in parallel, the container cluster test) change the topology several times a
     * second, and Ignite 2.17 can then answer "Getting affinity for too old topology version that is already out of
     * history" for a registration made at the version the node joined at. Seen in the container cluster test with
     * TLS, where the first node's start overlapped the others' joins; the node exited. Nothing is registered by a
     * refused attempt, so trying again is safe; after 20 tries (about 5 s) the error stands.
     */
    private static <T> T registerDuringJoins(Supplier<T> registration) {
        for (int attempt = 1; ; attempt++) {
            try {
                return registration.get();
            } catch (CacheException e) {
                if (attempt >= 20) {
                    throw e;
                }
                LOG.log(Level.INFO, "the metadata query was refused while the topology changed (" + e.getMessage()
                    + "); trying again");
                try {
                    Thread.sleep(250);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Nodes this member refused to admit for a missing or wrong join secret (counted where it is coordinator). */
    public long refusedJoins() {
        return joinSecret.refused();
    }

    /**
     * Ignite TLS handshakes this member refused because the peer's certificate, though signed by a trusted authority,
     * does not name the {@code node} role; 0 when the cluster's TLS is not the node's own ({@code mtls} mode).
     */
    public long refusedTlsPeers() {
        return memberTls instanceof MemberSslContexts m ? m.refused() : 0;
    }

    /**
     * Distinct malformed entries of the replicated metadata (namespace cache, tenant quotas) this member skipped
     * (each logged once, naming the entry).
     */
    public long malformedMetadataEntries() {
        return malformedMetadata.count();
    }

    /** The replicated namespace registry (available once joined). */
    public NamespaceStore namespaces() {
        if (namespaces == null) {
            throw new IllegalStateException("not joined yet");
        }
        return namespaces;
    }

    /** The replicated tenant quotas (available once joined). */
    public TenantStore tenants() {
        return joinedTenants();
    }

    /** Seeds the replicated quotas with {@code known} (a joining node's file); the cluster's entries win. */
    public void seedTenants(Map<String, Long> known) {
        known.forEach(joinedTenants()::seed);
    }

    private IgniteTenantStore joinedTenants() {
        if (tenants == null) {
            throw new IllegalStateException("not joined yet");
        }
        return tenants;
    }

    @Override
    public NodeInfo self() {
        return self;
    }

    @Override
    public boolean clustered() {
        return true;
    }

    @Override
    public PartitionMap currentMap() {
        return map;
    }

    @Override
    public void addListener(Consumer<PartitionMap> listener) {
        listeners.add(listener);
    }

    @Override
    public PartitionMap mapWithout(String nodeId) {
        PartitionMap current = map;
        List<NodeInfo> rest = new ArrayList<>(members);
        rest.removeIf(n -> n.id().equals(nodeId));
        return AffinityMaps.compute(current.topologyVersion() + 1, rest, settings.partitions(),
            settings.maxReplication(), current.defaultReplication(), current.replicationByNamespace());
    }

    /** Members as Ignite lists them now (server nodes carrying Spillway's attributes). */
    public List<NodeInfo> members() {
        return members;
    }

    private void topology(long version, Collection<ClusterNode> nodes) {
        if (version <= topologyVersion) {
            return;
        }
        topologyVersion = version;
        List<NodeInfo> infos = new ArrayList<>();
        for (ClusterNode n : nodes) {
            NodeInfo info = IgniteSettings.nodeInfo(n);
            if (info != null) {
                infos.add(info);
            }
        }
        members = List.copyOf(infos);
        publish();
    }

    /** Recomputes the map from the members and the replicated metadata; tells listeners when it changed. */
    private void publish() {
        if (topologyVersion < 0 || closed) {
            return;
        }
        Map<BlockKey, Integer> replication = new HashMap<>();
        long epoch = IgniteNamespaceStore.replication(metadata.entrySet(), replication, malformedMetadata);
        PartitionMap next = AffinityMaps.compute(topologyVersion << 32 | epoch, members, settings.partitions(),
            settings.maxReplication(), settings.replication(), replication);
        if (next.equals(map)) {
            return;
        }
        map = next;
        LOG.log(Level.DEBUG, () -> "partition map " + next);
        for (Consumer<PartitionMap> l : listeners) {
            try {
                l.accept(next);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "partition map listener failed", e);
            }
        }
    }

    private void submit(Runnable task) {
        try {
            worker.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    if (!closed) {
                        LOG.log(Level.WARNING, "partition map update failed", e);
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    private void await(Runnable task) {
        try {
            worker.submit(task).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while joining", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot compute the first partition map: " + e.getCause(), e.getCause());
        }
    }

    /** Leaves gracefully: peers see NODE_LEFT, not a failure. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (metadataQuery != null) {
            metadataQuery.close();
        }
        if (tenants != null) {
            tenants.close();
        }
        if (ignite != null) {
            Ignition.stop(ignite.name(), true);
        }
        worker.shutdown();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Every entry of the local replica of the namespace cache (REPLICATED: every member holds all of it). */
    static Iterable<Cache.Entry<String, String>> local(IgniteCache<String, String> cache) {
        return cache.localEntries(CachePeekMode.PRIMARY, CachePeekMode.BACKUP);
    }

    static final int[] TOPOLOGY_EVENTS = {EventType.EVT_NODE_JOINED, EventType.EVT_NODE_LEFT,
        EventType.EVT_NODE_FAILED};
}
