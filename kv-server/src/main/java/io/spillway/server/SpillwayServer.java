package io.spillway.server;

import io.spillway.cluster.NodeInfo;
import io.spillway.listener.ListenerCounters;
import io.spillway.protocol.ProtocolLimits;
import io.spillway.cluster.PartitionMap;
import io.spillway.server.cluster.ClusterContext;
import io.spillway.server.cluster.ClusterHandoff;
import io.spillway.tier.cpu.CpuTier;
import io.spillway.server.cluster.ClusterView;
import io.spillway.server.cluster.IgniteMembership;
import io.spillway.server.events.EventFeed;
import io.spillway.server.events.SnapshotService;
import io.spillway.server.security.NodeSecurity;
import io.spillway.tier.TierListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One Spillway node: the tier chain, the binary data plane, the gRPC control plane, the HTTP metrics/probe
 * endpoint and, with {@code spillway.cluster.enabled}, its membership in the cluster ({@link #cluster()}). Used by
 * {@link ServerMain}, tests, the bench and the demo.
 *
 * <pre>{@code
 * try (SpillwayServer server = SpillwayServer.start(ServerContext.builder().plaintext().dataPort(0).build())) {
 *     int port = server.dataPort();
 * }
 * }</pre>
 */
public final class SpillwayServer implements AutoCloseable {
    private static final Logger LOG = System.getLogger(SpillwayServer.class.getName());

    private enum State { STARTING, SERVING, DRAINING, CLOSED }

    private final ServerContext context;
    private final ServerMetrics metrics = new ServerMetrics();
    private final DrainGate inFlight = new DrainGate();
    private volatile State state = State.STARTING;
    private NamespaceRegistry namespaces;
    private TenantQuotas tenants;
    private volatile TierChain tiers;
    private ThreadPoolExecutor tierExecutor;
    private DataPlane dataPlane;
    private ControlPlaneServer controlPlane;
    private HttpEndpoint http;
    private volatile ClusterView cluster;
    private IgniteMembership membership;
    private final List<Runnable> beforeLeave = new CopyOnWriteArrayList<>();
    private ClusterHandoff handoff;
    private EventFeed feed;
    private NodeSecurity security;

    private SpillwayServer(ServerContext context) {
        this.context = context;
    }

    /** Opens the tiers and binds the three ports; returns once the node serves. Fails fast, releasing what it opened. */
    public static SpillwayServer start(ServerContext context) {
        SpillwayServer s = new SpillwayServer(context);
        try {
            s.open();
        } catch (Exception e) {
            s.close();
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot start node " + context.nodeId() + ": " + io.getMessage(), io);
            }
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
        return s;
    }

    private void open() throws IOException, InterruptedException {
        Files.createDirectories(context.dataDir());
        security = NodeSecurity.open(context.security(), metrics.access(), context.nodeId());
        http = HttpEndpoint.start(context.bind(), context.httpPort(), context.httpLimits(), metrics, this::ready,
            this::notReadyReason, this::readyDetail);
        namespaces = NamespaceRegistry.open(context.dataDir());
        namespaces.maxNamespaces(context.maxNamespaces());
        feed = context.events().enabled() ? EventFeed.create(context.events()) : null;
        tiers = context.tierFactory().open(context, namespaces::tenantOf,
            feed == null ? TierListener.NONE : feed.listener());
        metrics.bindTiers(tiers);
        metrics.bindNamespaces(namespaces);
        FileTenantStore tenantFile = FileTenantStore.open(context.dataDir());
        tenants = new TenantQuotas(namespaces, tiers.cpu() instanceof CpuTier c ? c : null, tenantFile,
            this::cluster);
        metrics.bindTenants(tenants);
        tierExecutor = new ThreadPoolExecutor(context.tierThreads(), context.tierThreads(), 30, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(context.tierQueueDepth()), new NamedThreads("spillway-tier"));
        ProtocolLimits limits = new ProtocolLimits(context.maxBlockBytes(), context.maxBlocksPerRequest(),
            context.maxFrameBytes());
        ClusterContext cc = context.cluster();
        if (cc.enabled()) {
            membership = new IgniteMembership(cc, security.memberTls());
            cluster = membership;
            metrics.bindMembership(membership);
        }
        NodeServices node = new NodeServices(context, tiers, namespaces, metrics, tierExecutor, limits, inFlight,
            this::cluster);
        dataPlane = DataPlane.start(node, security);
        ControlService control = new ControlService(context.nodeId(), namespaces, tiers, this::ready,
            metrics::activeConnections, this::cluster, cc, tenants).countDenials(metrics.access())
            .peerCredentials(security.peerChannelCredentials());
        String host = advertisedHost(cc);
        String feedNodeId = cc.enabled() ? cc.nodeName(host, dataPort()) : context.nodeId();
        controlPlane = feed == null
            ? ControlPlaneServer.start(context.bind(), context.controlPort(), context.controlLimits(), security,
                control)
            : ControlPlaneServer.start(context.bind(), context.controlPort(), context.controlLimits(), security,
                control, new SnapshotService(
                feedNodeId, feed::publisher, tiers.stages().stream().map(TierChain.Stage::tier).toList()));
        NodeInfo self = new NodeInfo(cc.nodeName(host, dataPort()), cc.zone(), host,
            cc.advertiseDataPort().orElse(dataPort()), controlPort(), httpPort());
        if (membership != null) {
            membership.join(self);
            namespaces.replicate(membership.namespaces());
            membership.seedTenants(tenantFile.cpuQuotas());
            tenants.replicate(membership.tenants());
            membership.addListener(map -> tenants.apply());
            if (tiers.cpu() instanceof CpuTier cpu) {
                handoff = new ClusterHandoff(self.id(), cpu::residents, cc.rebalance(), cc.handoffTimeoutMs())
                    .peerTls(security.peerTls())
                    .follow(membership);
                metrics.bindHandoff(handoff);
            }
        } else {
            cluster = ClusterView.standalone(self, cc.partitions());
            tenants.apply();
        }
        if (feed != null) {
            metrics.bindFeed(feed);
            new NodeFeed(tiers, metrics, inFlight, tierExecutor, feedNodeId, host, controlPort(),
                (int) context.events().heartbeatIntervalMs()).start(feed, null);
        }
        state = State.SERVING;
        controlPlane.serving(true);
        LOG.log(Level.INFO, () -> "node " + context.nodeId() + " serving: data " + dataPort() + " ("
            + (dataPlane.epoll() ? "epoll" : "nio") + "), control " + controlPort() + ", http " + httpPort());
    }

    public int dataPort() {
        return dataPlane.port();
    }

    public int controlPort() {
        return controlPlane.port();
    }

    public int httpPort() {
        return http.port();
    }

    /** The data plane's connections: open, refused at a cap, closed by a timeout. */
    public ListenerCounters dataConnections() {
        return dataPlane.counters();
    }

    /** The HTTP endpoint's connections: open, refused at a cap, closed by a timeout. */
    public ListenerCounters httpConnections() {
        return http.counters();
    }

    public ServerContext context() {
        return context;
    }

    /**
     * The node's view of the cluster: the embedded Ignite membership with {@code spillway.cluster.enabled}, else
     * {@link ClusterView#standalone} (owns every partition, never changes).
     */
    public ClusterView cluster() {
        return cluster;
    }

    /**
     * Adds a step to graceful shutdown that runs after the data plane has stopped accepting and the requests in
     * flight have drained (or timed out), and before this node leaves the cluster and its tiers close: the tiers
     * and {@link #cluster()} ({@link ClusterView#mapWithout}) are still usable, so blocks can be handed to their
     * next owners. Steps run in the order added, on the closing thread; a step that throws is logged and the rest
     * run.
     */
    public void beforeLeave(Runnable step) {
        beforeLeave.add(Objects.requireNonNull(step, "step"));
    }

    /** The address peers and clients reach this node at: the setting, else the bind address, else the host's. */
    private String advertisedHost(ClusterContext cc) throws UnknownHostException {
        if (cc.advertiseHost().isPresent()) {
            return cc.advertiseHost().get();
        }
        InetAddress bind = InetAddress.getByName(context.bind());
        return bind.isAnyLocalAddress() ? InetAddress.getLocalHost().getHostAddress() : context.bind();
    }

    /**
     * True while the node serves requests (the {@code /ready} probe): started, not draining, and in a cluster, in
     * the majority of the last stable membership (docs/cluster.md, "Partitions").
     */
    public boolean ready() {
        IgniteMembership m = membership;
        return state == State.SERVING && (m == null || m.serving());
    }

    /** Why the node is not ready, for the {@code /ready} body ("" when it is). */
    public String notReadyReason() {
        IgniteMembership m = membership;
        if (state != State.SERVING) {
            return state == State.STARTING ? "starting" : "shutting down";
        }
        return m == null ? "" : m.notServingReason();
    }

    /**
     * What the {@code /ready} body adds after its first line: one {@code degraded: ...} line per tier that cannot do
     * all its work now (an NVMe tier whose disk is full), "" when none. A degraded tier leaves the node ready: it
     * still serves from its other tiers and answers what it cannot do with a status (docs/reliability.md).
     */
    public String readyDetail() {
        TierChain chain = tiers;
        if (chain == null) {
            return "";
        }
        StringBuilder detail = new StringBuilder();
        for (TierChain.Stage s : chain.stages()) {
            s.tier().degradation().ifPresent(d -> detail.append("degraded: ").append(d).append('\n'));
        }
        return detail.toString();
    }

    /** Tenant quotas and this node's usage per tenant. */
    public TenantQuotas tenants() {
        return tenants;
    }

    public NamespaceRegistry namespaces() {
        return namespaces;
    }

    public TierChain tiers() {
        return tiers;
    }

    /** The node's TLS material, identities and refusal counters ({@code spillway.security.*}). */
    public NodeSecurity security() {
        return security;
    }

    public ServerMetrics metrics() {
        return metrics;
    }

    /** The node's block-location feed, or {@code null} with {@code spillway.events.enabled=false}. */
    public EventFeed feed() {
        return feed;
    }

    /**
     * Graceful shutdown: marks the node not ready, stops accepting, answers new requests {@code SHUTTING_DOWN},
     * waits up to {@code drainTimeoutMs} for requests in flight, closes connections, runs the
     * {@link #beforeLeave} steps, leaves the cluster, then closes the control plane and the tiers (the NVMe tier
     * flushes). Idempotent.
     */
    @Override
    public synchronized void close() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.DRAINING;
        if (controlPlane != null) {
            controlPlane.serving(false);
        }
        if (dataPlane != null) {
            dataPlane.stopAccepting();
        }
        inFlight.drain();
        try {
            if (!inFlight.awaitIdle(context.drainTimeoutMs())) {
                LOG.log(Level.WARNING, () -> inFlight.running() + " requests still running after "
                    + context.drainTimeoutMs() + " ms; closing their connections");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (dataPlane != null) {
            dataPlane.close();
        }
        if (feed != null) {
            feed.close(); // publishes the node's departure: routers stop sending work for its blocks
        }
        if (state == State.DRAINING && cluster != null) {
            for (Runnable step : beforeLeave) {
                try {
                    step.run();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "shutdown step before leaving the cluster failed", e);
                }
            }
        }
        PartitionMap mapBefore = null;
        PartitionMap mapAfter = null;
        if (handoff != null && cluster.currentMap().nodes().size() > 1) {
            mapBefore = cluster.currentMap();
            mapAfter = cluster.mapWithout(cluster.self().id());
        }
        if (cluster != null) {
            cluster.close();
        }
        if (handoff != null) {
            if (mapBefore != null && context.cluster().handoffTimeoutMs() > 0) {
                handoff.leave(mapBefore, mapAfter); // after leaving: the receivers own the keys once they see it
            }
            handoff.close();
        }
        if (tierExecutor != null) {
            tierExecutor.shutdown();
            try {
                tierExecutor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (controlPlane != null) {
            controlPlane.close();
        }
        if (tiers != null) {
            tiers.close();
        }
        if (http != null) {
            http.close();
        }
        if (security != null) {
            security.close();
        }
        state = State.CLOSED;
    }
}
