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
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
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
import org.apache.ignite.IgniteState;
import org.apache.ignite.Ignition;
import org.apache.ignite.IgnitionListener;
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
 * <p>Partitions ({@link QuorumRule}, docs/cluster.md "Partitions"): a member serves only while its view holds a
 * majority of the last stable membership. Out of it (peers failed from its point of view, or Ignite segmented it and
 * stopped) its map is the empty map (version 0: it owns nothing, so the data plane answers {@code NOT_OWNER} and
 * clients go to the other owners; no client installs a version-0 map), {@link #serving()} is false ({@code /ready}
 * 503 with {@link #notServingReason()}), and once a peer of its last serving view answers a probe
 * ({@link PeerProbe}) it restarts its embedded Ignite node against the seeds, again after a backoff that doubles up
 * to {@code rejoinBackoffMaxMs}, until a restarted node's view serves: Ignite never merges two halves of a split
 * cluster, so the minority side has to join afresh. The tiers are untouched by all this.
 *
 * <p>Map work runs on one thread ({@code spillway-cluster}), never on Ignite's discovery thread.
 */
public final class IgniteMembership implements ClusterView {
    private static final Logger LOG = System.getLogger(IgniteMembership.class.getName());

    private final ClusterContext settings;
    private final List<Consumer<PartitionMap>> listeners = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "spillway-cluster");
        t.setDaemon(true);
        return t;
    });
    private final JoinSecret joinSecret;
    private final Factory<SSLContext> memberTls;
    private volatile PartitionMap map;
    /** The map of a member that owns nothing: before the first join, and while cut off from the majority. */
    private final PartitionMap unowned;
    private volatile NodeInfo self;
    private volatile List<NodeInfo> members = List.of();
    private volatile boolean closed;
    private volatile Ignite ignite;
    private volatile IgniteNamespaceStore namespaces;
    private volatile IgniteTenantStore tenants;
    private final NamespaceStore namespaceView = new ForwardingNamespaceStore();
    private final TenantStore tenantView = new ForwardingTenantStore();
    private final List<Runnable> tenantListeners = new CopyOnWriteArrayList<>();
    private QueryCursor<?> metadataQuery;
    private long topologyVersion = -1;
    /** Which start of the embedded Ignite node is current: events of a stopped one are ignored. */
    private volatile int generation;
    private final QuorumRule quorum;
    private final IgnitionListener stopWatch = this::igniteStateChanged;
    private volatile boolean serving = true;
    private volatile String notServingReason = "";
    private volatile long notServingSince;
    private volatile long notServingNanos;
    private volatile long lostQuorum;
    private volatile long rejoined;
    private volatile long rejoinAttempts;
    private long backoffMs;
    private long nextRestartAt;
    private ScheduledFuture<?> pendingRejoin;
    private ReachabilityWatch watch;
    /** The member names of the view this member stopped serving with, shrunk by later views that lack some. */
    private Set<String> viewWhenLost = Set.of();
    /** The other members of the last view that served: probed while cut off, to tell when to rejoin. */
    private volatile List<NodeInfo> lastServingPeers = List.of();
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
        this.quorum = new QuorumRule(TimeUnit.MILLISECONDS.toNanos(QUORUM_SETTLE_DETECTIONS
            * settings.failureDetectionTimeoutMs()));
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
        this.unowned = AffinityMaps.empty(settings.partitions(), settings.replication());
        this.map = unowned;
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
        Ignition.addListener(stopWatch);
        startIgnite();
        await(() -> {
            long v = ignite.cluster().topologyVersion();
            topology(v, ignite.cluster().topology(v), List.of());
        });
        LOG.log(Level.INFO, () -> "node " + self.id() + " joined the cluster: " + map);
        if (settings.quorum()) {
            long suspectAfter = settings.failureDetectionTimeoutMs() / SUSPECT_DIVISOR;
            watch = new ReachabilityWatch(this::otherMembers, suspectAfter, REJOIN_PROBE_TIMEOUT_MS,
                suspects -> submit(() -> suspected(suspects, suspectAfter))).start(REJOIN_PROBE_INTERVAL_MS);
        }
    }

    private List<NodeInfo> otherMembers() {
        if (!serving) {
            return List.of();
        }
        List<NodeInfo> peers = new ArrayList<>(members);
        peers.removeIf(n -> n.id().equals(self.id()));
        return peers;
    }

    /**
     * On the cluster thread: {@code suspects} have not been reached for {@code afterMs}. If the members left once they
     * are gone are not a majority of the last stable membership, this member stops serving now, before Ignite's own
     * failure detection says as much.
     */
    private void suspected(Set<String> suspects, long afterMs) {
        if (closed || !serving) {
            return;
        }
        List<String> reachable = new ArrayList<>();
        for (NodeInfo n : members) {
            if (!suspects.contains(n.id())) {
                reachable.add(n.id());
            }
        }
        if (!quorum.wouldServe(reachable)) {
            lost(generation, "no connection to " + new TreeSet<>(suspects) + " for " + afterMs + " ms: it reaches "
                + quorum.present(reachable) + " of the " + quorum.base().size() + " members of the last stable "
                + "membership " + new TreeSet<>(quorum.base()));
        }
    }

    /** Starts the embedded Ignite node (again, on a rejoin) with its metadata query and stores. */
    private void startIgnite() {
        int mine = ++generation;
        topologyVersion = -1; // a new Ignite node counts versions of the cluster it joins, maybe below the old ones
        IgnitePredicate<Event> onTopology = evt -> {
            if (generation != mine) {
                return true;
            }
            if (evt.type() == EventType.EVT_NODE_SEGMENTED) {
                submit(() -> lost(mine, "Ignite reported this node segmented from the cluster"));
                return true;
            }
            DiscoveryEvent d = (DiscoveryEvent) evt;
            long version = d.topologyVersion();
            Collection<ClusterNode> nodes = List.copyOf(d.topologyNodes());
            NodeInfo left = evt.type() == EventType.EVT_NODE_LEFT ? IgniteSettings.nodeInfo(d.eventNode()) : null;
            submit(() -> {
                if (generation == mine) {
                    topology(version, nodes, left == null ? List.of() : List.of(left.id()));
                }
            });
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
        tenants.onChange(() -> tenantListeners.forEach(Runnable::run));
        boolean first = mine == 1;
        for (Cache.Entry<?, ?> e : local(cache)) {
            Object key = e.getKey();
            Object value = e.getValue();
            if (value == null) {
                continue;
            }
            if (first) {
                metadata.putIfAbsent(NamespaceRecord.text(key), NamespaceRecord.text(value));
            } else { // a rejoin: the cluster's entries are the newer ones
                metadata.put(NamespaceRecord.text(key), NamespaceRecord.text(value));
            }
        }
    }

    /** Stops the current Ignite node, if any, and its query and stores (a rejoin, or close). */
    private void stopIgnite() {
        generation++;
        try {
            if (metadataQuery != null) {
                metadataQuery.close();
            }
            if (tenants != null) {
                tenants.close();
            }
        } catch (RuntimeException e) {
            LOG.log(Level.DEBUG, "closing the metadata queries of a stopped Ignite node", e);
        }
        metadataQuery = null;
        if (ignite != null) {
            Ignition.stop(ignite.name(), true);
        }
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

    /** The replicated namespace registry (available once joined; follows the Ignite node across rejoins). */
    public NamespaceStore namespaces() {
        if (namespaces == null) {
            throw new IllegalStateException("not joined yet");
        }
        return namespaceView;
    }

    /** The replicated tenant quotas (available once joined; follows the Ignite node across rejoins). */
    public TenantStore tenants() {
        joinedTenants();
        return tenantView;
    }

    /** Whether this member's view holds a majority of the last stable membership, so that it serves. */
    public boolean serving() {
        return serving;
    }

    /** Why this member does not serve ("" while it serves). */
    @Override
    public String notServingReason() {
        return serving ? "" : notServingReason;
    }

    /** Times this member lost the majority (its view fell below it, or Ignite segmented or stopped it). */
    public long lostQuorumCount() {
        return lostQuorum;
    }

    /** Times this member served again after losing the majority. */
    public long rejoinedCount() {
        return rejoined;
    }

    /** Restarts of the embedded Ignite node to rejoin the majority. */
    public long rejoinAttempts() {
        return rejoinAttempts;
    }

    /** Seconds this member has spent not serving for want of the majority, the current spell included. */
    public double notServingSeconds() {
        long since = notServingSince;
        long total = notServingNanos + (serving ? 0 : System.nanoTime() - since);
        return total / 1e9;
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
        return serving ? map : unowned; // from the moment it stops serving, before the empty map is published
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

    private void topology(long version, Collection<ClusterNode> nodes, List<String> leftCleanly) {
        if (version <= topologyVersion) {
            return;
        }
        topologyVersion = version;
        List<NodeInfo> infos = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (ClusterNode n : nodes) {
            NodeInfo info = IgniteSettings.nodeInfo(n);
            if (info != null) {
                infos.add(info);
                names.add(info.id());
            }
        }
        members = List.copyOf(infos);
        boolean quorate = !settings.quorum() || quorum.judge(names, leftCleanly, System.nanoTime());
        if (quorate && !serving && viewWhenLost.containsAll(names)) {
            // what is left of the view it lost with, e.g. a cut-off member's Ignite reporting its peers failed one
            // by one (2 of 3 for a moment): only a join or a restarted Ignite node brings it back, not this view
            viewWhenLost = Set.copyOf(names);
            publish();
            return;
        }
        if (quorate) {
            List<NodeInfo> peers = new ArrayList<>(infos);
            peers.removeIf(n -> n.id().equals(self.id()));
            lastServingPeers = List.copyOf(peers);
            if (!serving) {
                regained();
            }
        } else {
            lost(generation, "this member sees " + quorum.present(names) + " of the " + quorum.base().size()
                + " members of the last stable membership " + new TreeSet<>(quorum.base())
                + " (its view: " + names + ")");
        }
        publish();
    }

    /** This member lost the majority: it stops serving (empty map) and starts the rejoin loop. */
    private void lost(int ofGeneration, String why) {
        if (closed || ofGeneration != generation) {
            return;
        }
        notServingReason = "cut off from the cluster's majority: " + why + "; rejoining through the seeds";
        List<String> view = new ArrayList<>();
        members.forEach(n -> view.add(n.id()));
        viewWhenLost = Set.copyOf(view);
        if (serving) {
            serving = false;
            notServingSince = System.nanoTime();
            lostQuorum++;
            backoffMs = 0;
            nextRestartAt = notServingSince + TimeUnit.MILLISECONDS.toNanos(REJOIN_FIRST_DELAY_MS);
            LOG.log(Level.WARNING, () -> "node " + self.id() + " stops serving: " + notServingReason);
        }
        publish();
        scheduleRejoinCheck(REJOIN_FIRST_DELAY_MS);
    }

    private void regained() {
        serving = true;
        notServingNanos += System.nanoTime() - notServingSince;
        rejoined++;
        backoffMs = 0;
        if (pendingRejoin != null) {
            pendingRejoin.cancel(false);
            pendingRejoin = null;
        }
        LOG.log(Level.WARNING, () -> "node " + self.id() + " serves again: back in the majority, "
            + members.size() + " members");
    }

    /** Runs {@link #rejoinCheck} after {@code delayMs}, unless one is already due. On the cluster thread. */
    private void scheduleRejoinCheck(long delayMs) {
        if (closed || serving || pendingRejoin != null) {
            return;
        }
        try {
            pendingRejoin = worker.schedule(this::rejoinCheck, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /**
     * On the cluster thread, while cut off: restarts the Ignite node against the seeds once a peer of the last
     * serving view answers (a TCP connect to its HTTP port: the partition has healed, or was never on that side) and
     * the backoff since the last restart has passed; otherwise checks again in {@link #REJOIN_PROBE_INTERVAL_MS}.
     * A member that knows no peer restarts on the backoff alone. Restarting while no peer answers would only make
     * a one-member cluster again, and churn Ignite for the length of the partition.
     */
    private void rejoinCheck() {
        pendingRejoin = null;
        if (closed || serving) {
            return;
        }
        List<NodeInfo> peers = lastServingPeers;
        if (System.nanoTime() - nextRestartAt < 0
            || !(peers.isEmpty() || PeerProbe.anyReachable(peers, REJOIN_PROBE_TIMEOUT_MS))) {
            scheduleRejoinCheck(REJOIN_PROBE_INTERVAL_MS);
            return;
        }
        synchronized (this) {
            if (closed) {
                return;
            }
            rejoinAttempts++;
            LOG.log(Level.INFO, () -> "node " + self.id() + " restarts its Ignite node to rejoin (attempt "
                + rejoinAttempts + ")");
            try {
                stopIgnite();
                viewWhenLost = Set.of(); // a fresh Ignite node: the first view that serves brings it back
                startIgnite();
                long v = ignite.cluster().topologyVersion();
                topology(v, ignite.cluster().topology(v), List.of());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "rejoin attempt " + rejoinAttempts + " failed: " + e);
            }
        }
        if (!serving) {
            backoffMs = Math.min(backoffMs == 0 ? 2 * REJOIN_FIRST_DELAY_MS : 2 * backoffMs,
                settings.rejoinBackoffMaxMs());
            nextRestartAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMs);
            scheduleRejoinCheck(REJOIN_PROBE_INTERVAL_MS);
        }
    }

    /** Ignite stopped a node of ours that we did not stop ourselves: segmentation, or its failure handler. */
    private void igniteStateChanged(String name, IgniteState state) {
        Ignite current = ignite;
        if (closed || current == null || !current.name().equals(name) || state == IgniteState.STARTED) {
            return;
        }
        int mine = generation;
        submit(() -> {
            if (ignite == current) {
                lost(mine, "its Ignite node stopped (" + state + ")");
            }
        });
    }

    /** Recomputes the map from the members and the replicated metadata; tells listeners when it changed. */
    private void publish() {
        if (closed || (topologyVersion < 0 && serving)) {
            return;
        }
        PartitionMap next;
        if (serving) {
            Map<BlockKey, Integer> replication = new HashMap<>();
            long epoch = IgniteNamespaceStore.replication(metadata.entrySet(), replication, malformedMetadata);
            next = AffinityMaps.compute(topologyVersion << 32 | epoch, members, settings.partitions(),
                settings.maxReplication(), settings.replication(), replication);
        } else {
            next = unowned;
        }
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
        if (watch != null) {
            watch.close();
        }
        Ignition.removeListener(stopWatch);
        stopIgnite();
        worker.shutdownNow();
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
        EventType.EVT_NODE_FAILED, EventType.EVT_NODE_SEGMENTED};
    /**
     * The first rejoin check comes this long after the loss; after a restart that did not bring the member back,
     * the next restart waits twice as long, then twice that, up to {@code rejoinBackoffMaxMs}.
     */
    static final long REJOIN_FIRST_DELAY_MS = 500;
    /** How often a cut-off member probes its peers. */
    static final long REJOIN_PROBE_INTERVAL_MS = 250;
    /** Peers unreached for the failure-detection timeout divided by this are suspected ({@link ReachabilityWatch}). */
    static final int SUSPECT_DIVISOR = 2;
    /** How long a probe waits for a peer's TCP connect. */
    static final int REJOIN_PROBE_TIMEOUT_MS = 300;
    /**
     * A serving view drops the failed members it lacks from the last stable membership once it has held for this
     * many failure-detection timeouts: longer than a cut-off member takes to see all its peers fail.
     */
    static final int QUORUM_SETTLE_DETECTIONS = 3;

    /**
     * The namespace store of whichever Ignite node is current. While this member is cut off (its Ignite node may be
     * stopped) reads answer from the namespace cache as this member last saw it, and a registration is refused with
     * the reason: it needs the majority.
     */
    private final class ForwardingNamespaceStore implements NamespaceStore {
        @Override
        public Entry register(BlockKey id, String spec, int replication) {
            requireServing("a namespace registration");
            return namespaces.register(id, spec, replication);
        }

        @Override
        public Entry get(BlockKey id) {
            if (serving) {
                try {
                    return namespaces.get(id);
                } catch (IllegalStateException | CacheException e) {
                    // the Ignite node stopped under us: answer from what we last saw
                }
            }
            String v = metadata.get(id.toHex());
            NamespaceRecord r = v == null ? null : NamespaceRecord.parse(id.toHex(), v);
            return r == null ? null : new Entry(r.spec(), r.replication());
        }

        @Override
        public Map<BlockKey, Entry> all() {
            if (serving) {
                try {
                    return namespaces.all();
                } catch (IllegalStateException | CacheException e) {
                    // as in get
                }
            }
            Map<BlockKey, Entry> out = new HashMap<>();
            metadata.forEach((k, v) -> {
                NamespaceRecord r = NamespaceRecord.parse(k, v); // null for the epoch key and malformed entries
                if (r != null) {
                    out.put(r.id(), new Entry(r.spec(), r.replication()));
                }
            });
            return out;
        }
    }

    /** Refuses {@code what} while this member is cut off from the majority, naming why. */
    private void requireServing(String what) {
        if (!serving) {
            throw new IllegalStateException(what + " needs the cluster's majority, and node " + self.id() + " is "
                + notServingReason);
        }
    }

    /** The tenant store of whichever Ignite node is current; listeners stay registered across rejoins. */
    private final class ForwardingTenantStore implements TenantStore {
        @Override
        public void setCpuQuota(String tenant, long cpuBytes) {
            requireServing("a tenant quota change");
            joinedTenants().setCpuQuota(tenant, cpuBytes);
        }

        @Override
        public Map<String, Long> cpuQuotas() {
            return joinedTenants().cpuQuotas();
        }

        @Override
        public void onChange(Runnable listener) {
            tenantListeners.add(listener);
        }
    }
}
