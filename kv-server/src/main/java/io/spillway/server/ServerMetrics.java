package io.spillway.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.spillway.listener.ListenerCounters;
import io.spillway.protocol.ErrorCode;
import io.spillway.server.cluster.ClusterHandoff;
import io.spillway.server.cluster.IgniteMembership;
import io.spillway.server.events.EventFeed;
import io.spillway.server.events.EventPublisher;
import io.spillway.server.security.AccessDenials;
import io.spillway.tier.TierCounters;
import io.spillway.tier.nvme.NvmeHealth;
import io.spillway.tier.nvme.NvmeTier;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * The node's figures as Micrometer meters, scraped as Prometheus text from {@code /metrics}: per tier (bytes,
 * blocks, capacity, hits, misses, evictions, demotions, promotions, back-pressured, corrupt, ...), connections,
 * request latency per op (with a percentile histogram), errors by code, and per tenant its CPU-tier bytes, this
 * node's share of its quota and the evictions that kept it within the share.
 */
public final class ServerMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicInteger activeConnections = new AtomicInteger();
    private final Counter connections;
    private final Counter[] errors = new Counter[ErrorCode.values().length];
    private final AtomicReferenceArray<Timer> timers = new AtomicReferenceArray<>(256);
    private final Counter readPauses;
    private final AccessDenials access = new AccessDenials(registry);
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final AtomicLong putReserved = new AtomicLong();
    private volatile TenantQuotas tenants;
    private volatile Map<String, TenantQuotas.Tenant> tenantSnapshot = Map.of();
    private final Set<String> tenantMeters = ConcurrentHashMap.newKeySet();

    public ServerMetrics() {
        Gauge.builder("spillway.connections.active", activeConnections, AtomicInteger::get)
            .description("open data-plane connections").register(registry);
        connections = Counter.builder("spillway.connections").description("data-plane connections accepted")
            .register(registry);
        readPauses = Counter.builder("spillway.read.pauses")
            .description("times a connection stopped being read (slow reader or too many requests waiting on tiers)")
            .register(registry);
        for (ErrorCode code : ErrorCode.values()) {
            if (code != ErrorCode.OK && code != ErrorCode.NOT_FOUND) {
                errors[code.ordinal()] = Counter.builder("spillway.errors")
                    .description("request-level and per-block errors answered, by code")
                    .tag("code", code.name()).register(registry);
            }
        }
        Gauge.builder("spillway.put.reserved", putReserved, AtomicLong::get).baseUnit("bytes")
            .description("tier bytes reserved for blocks being received (released when a put ends, fails or stalls)")
            .register(registry);
        FunctionCounter.builder("spillway.block.bytes", bytesIn, LongAdder::sum).tag("direction", "in")
            .description("block bytes received in puts and sent in gets").register(registry);
        FunctionCounter.builder("spillway.block.bytes", bytesOut, LongAdder::sum).tag("direction", "out")
            .description("block bytes received in puts and sent in gets").register(registry);
    }

    /** Registers the gauges and counters of every tier in {@code chain}. */
    public void bindTiers(TierChain chain) {
        for (TierChain.Stage s : chain.stages()) {
            String tier = s.tier().kind().name().toLowerCase(Locale.ROOT);
            TierCounters c = s.tier().counters();
            Gauge.builder("spillway.tier.bytes", c, x -> x.bytes.get()).tag("tier", tier)
                .description("bytes held by the tier").baseUnit("bytes").register(registry);
            Gauge.builder("spillway.tier.blocks", c, x -> x.blocks.get()).tag("tier", tier)
                .description("blocks held by the tier").register(registry);
            long cap = s.capacityBytes();
            Gauge.builder("spillway.tier.capacity", () -> cap).tag("tier", tier)
                .description("capacity of the tier").baseUnit("bytes").register(registry);
            counter("spillway.tier.hits", tier, c, x -> x.hits.sum());
            counter("spillway.tier.misses", tier, c, x -> x.misses.sum());
            counter("spillway.tier.puts", tier, c, x -> x.puts.sum());
            counter("spillway.tier.evictions", tier, c, x -> x.evictions.sum());
            counter("spillway.tier.demotions", tier, c, x -> x.demotions.sum());
            counter("spillway.tier.promotions", tier, c, x -> x.promotions.sum());
            counter("spillway.tier.back.pressured", tier, c, x -> x.backPressured.sum());
            counter("spillway.tier.corrupt", tier, c, x -> x.corrupt.sum());
            counter("spillway.tier.dropped", tier, c, x -> x.dropped.sum());
            FunctionCounter.builder("spillway.tier.duplicate.puts", c, x -> x.duplicates.sum()).tag("tier", tier)
                .description("puts of a key the tier already held, acknowledged without storing (first value wins)")
                .register(registry);
            counter("spillway.tier.demotion.failures", tier, c, x -> x.demotionFailures.sum());
            if (s.tier() instanceof NvmeTier nvme) {
                bindNvmeHealth(nvme.health());
            }
        }
    }

    /** The NVMe tier's fault state and counters (docs/reliability.md, "Full disk and exhausted memory"). */
    private void bindNvmeHealth(NvmeHealth h) {
        Gauge.builder("spillway.nvme.degraded", h, x -> x.degraded() ? 1 : 0)
            .description("1 while the NVMe tier refuses writes (disk nearly full, RocksDB background error)")
            .register(registry);
        nvmeCounter("spillway.nvme.background.errors", h, NvmeHealth::backgroundErrors,
            "RocksDB background errors (a failed flush or compaction stops its writes)");
        nvmeCounter("spillway.nvme.writes.refused", h, NvmeHealth::refusedWrites,
            "NVMe puts and demotions answered BACK_PRESSURE because the tier could not write");
        nvmeCounter("spillway.nvme.write.errors", h, NvmeHealth::writeErrors, "NVMe writes RocksDB failed");
        nvmeCounter("spillway.nvme.reopens", h, NvmeHealth::reopens,
            "NVMe database reopened to clear a background error once space was back");
        nvmeCounter("spillway.nvme.reopen.lost.blocks", h, NvmeHealth::lostOnReopen,
            "blocks not on disk when the NVMe database was reopened (unflushed memtable), gone from the tier");
        nvmeCounter("spillway.nvme.recoveries", h, NvmeHealth::recoveries, "NVMe tier back to writable");
    }

    private void nvmeCounter(String name, NvmeHealth h, ToDoubleFunction<NvmeHealth> f, String description) {
        FunctionCounter.builder(name, h, f).description(description).register(registry);
    }

    /** Joins this member refused for a missing or wrong join secret. */
    public void bindMembership(IgniteMembership membership) {
        FunctionCounter.builder("spillway.cluster.joins.refused", membership, IgniteMembership::refusedJoins)
            .description("nodes refused at join for a missing or wrong join secret").register(registry);
        FunctionCounter.builder("spillway.cluster.tls.refused", membership, IgniteMembership::refusedTlsPeers)
            .description("Ignite TLS handshakes refused because the peer's certificate does not name the node role "
                + "(cluster TLS from spillway.security.* in mtls mode)").register(registry);
        FunctionCounter.builder("spillway.cluster.metadata.malformed", membership,
                IgniteMembership::malformedMetadataEntries)
            .description("malformed entries of the replicated metadata (namespaces, tenant quotas) skipped, each "
                + "distinct entry once").register(registry);
        FunctionCounter.builder("spillway.cluster.segmented", membership, IgniteMembership::lostQuorumCount)
            .description("times this member was cut off from the majority of the last stable membership (its view "
                + "fell below it, or Ignite segmented it) and stopped serving").register(registry);
        FunctionCounter.builder("spillway.cluster.rejoined", membership, IgniteMembership::rejoinedCount)
            .description("times this member served again after being cut off").register(registry);
        FunctionCounter.builder("spillway.cluster.rejoin.attempts", membership, IgniteMembership::rejoinAttempts)
            .description("restarts of the embedded Ignite node to rejoin the majority").register(registry);
        FunctionCounter.builder("spillway.cluster.not.ready.seconds", membership,
                IgniteMembership::notServingSeconds)
            .description("seconds this member spent not serving for want of the majority").register(registry);
        Gauge.builder("spillway.cluster.serving", membership, m -> m.serving() ? 1 : 0)
            .description("1 while this member's view holds the majority and it serves, else 0").register(registry);
    }

    /** The join and failure hand-offs: how many finished, and the map version of the last one. */
    public void bindHandoff(ClusterHandoff handoff) {
        FunctionCounter.builder("spillway.cluster.handoff.completed", handoff, ClusterHandoff::completedCount)
            .description("join and failure hand-offs this node finished (not cancelled by a newer map)")
            .register(registry);
        Gauge.builder("spillway.cluster.handoff.completed.version", handoff, ClusterHandoff::completedVersion)
            .description("the partition map version of the last hand-off this node finished (-1: none)")
            .register(registry);
    }

    public void bindNamespaces(NamespaceRegistry namespaces) {
        Gauge.builder("spillway.namespaces", namespaces, NamespaceRegistry::size)
            .description("registered namespaces").register(registry);
        FunctionCounter.builder("spillway.namespaces.refused", namespaces, NamespaceRegistry::refused)
            .description("namespace registrations refused at spillway.server.maxNamespaces").register(registry);
    }

    private void counter(String name, String tier, TierCounters c, ToDoubleFunction<TierCounters> f) {
        FunctionCounter.builder(name, c, f).tag("tier", tier).register(registry);
    }

    public void connectionOpened() {
        connections.increment();
        activeConnections.incrementAndGet();
    }

    /** A connection stopped being read: back pressure made visible. */
    public void readPaused() {
        readPauses.increment();
    }

    public double readPauses() {
        return readPauses.count();
    }

    public void connectionClosed() {
        activeConnections.decrementAndGet();
    }

    public int activeConnections() {
        return activeConnections.get();
    }

    /** Counts one error answered (request-level or per block); {@code OK} and {@code NOT_FOUND} are not errors. */
    public void error(ErrorCode code) {
        Counter c = errors[code.ordinal()];
        if (c != null) {
            c.increment();
        }
    }

    public double errorCount(ErrorCode code) {
        Counter c = errors[code.ordinal()];
        return c == null ? 0 : c.count();
    }

    /** Records one request of op {@code op} (wire code) named {@code name}, which took {@code nanos}. */
    public void request(int op, String name, long nanos) {
        Timer t = timers.get(op & 0xFF);
        if (t == null) {
            t = Timer.builder("spillway.request").tag("op", name).description("data-plane request latency")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
            timers.set(op & 0xFF, t);
        }
        t.record(nanos, TimeUnit.NANOSECONDS);
        requests.increment();
    }

    /** Data-plane requests answered since start (every op), for the feed's ops-per-second figure. */
    public long requests() {
        return requests.sum();
    }

    /** Registers the block-location feed's counters (docs/events.md). */
    public void bindFeed(EventFeed feed) {
        feedCounter(feed, "spillway.events.messages", EventPublisher::messages,
            "event-feed messages built (blocks, heartbeats, joins)");
        feedCounter(feed, "spillway.events.keys", EventPublisher::keysPublished, "block keys published");
        feedCounter(feed, "spillway.events.coalesced", EventPublisher::coalesced,
            "changes merged into a key already waiting to be published");
        feedCounter(feed, "spillway.events.back.pressured", EventPublisher::backPressured,
            "offers Aeron refused for back pressure (the message waited, changes coalesced)");
        feedCounter(feed, "spillway.events.gaps", EventPublisher::gaps,
            "sequence numbers skipped because change marks were lost: subscribers reload snapshots");
        FunctionCounter.builder("spillway.events.marks.dropped", feed, f -> f.marks().droppedTotal())
            .description("change marks dropped because the mark ring was full").register(registry);
        Gauge.builder("spillway.events.pending.keys", feed, f -> f.publisher() == null ? 0
            : f.publisher().pendingKeys()).description("keys waiting to be published").register(registry);
    }

    private void feedCounter(EventFeed feed, String name, ToLongFunction<EventPublisher> value, String description) {
        FunctionCounter.builder(name, feed, f -> f.publisher() == null ? 0 : value.applyAsLong(f.publisher()))
            .description(description).register(registry);
    }

    /** Tier bytes reserved for blocks being received change by {@code delta}. */
    void putReserved(long delta) {
        putReserved.addAndGet(delta);
    }

    /** Tier bytes reserved now for blocks being received. */
    public long putReservedBytes() {
        return putReserved.get();
    }

    /**
     * Registers a listener's connection figures: {@code spillway_listener_connections{listener}} (open now),
     * {@code spillway_listener_connections_peak}, {@code spillway_listener_refused_total{listener, reason}} and
     * {@code spillway_listener_timeouts_total{listener, reason}}.
     */
    public void bindListener(ListenerCounters c) {
        String l = c.listener();
        Gauge.builder("spillway.listener.connections", c, ListenerCounters::active).tag("listener", l)
            .description("connections open, by listener").register(registry);
        Gauge.builder("spillway.listener.connections.peak", c, ListenerCounters::peak).tag("listener", l)
            .description("the most connections open at once since start, by listener").register(registry);
        for (ListenerCounters.Refusal r : ListenerCounters.Refusal.values()) {
            FunctionCounter.builder("spillway.listener.refused", c, x -> x.refused(r)).tag("listener", l)
                .tag("reason", r.name().toLowerCase(Locale.ROOT))
                .description("connections closed at accept because a cap was reached").register(registry);
        }
        for (ListenerCounters.Timeout t : ListenerCounters.Timeout.values()) {
            FunctionCounter.builder("spillway.listener.timeouts", c, x -> x.timeouts(t)).tag("listener", l)
                .tag("reason", t.name().toLowerCase(Locale.ROOT))
                .description("connections closed by a timeout").register(registry);
        }
    }

    public void bytesIn(long n) {
        bytesIn.add(n);
    }

    public void bytesOut(long n) {
        bytesOut.add(n);
    }

    /** Prometheus text exposition of every meter. */
    /** Per-tenant meters, read from a snapshot taken at each scrape; a tenant's meters appear when it first does. */
    public void bindTenants(TenantQuotas quotas) {
        this.tenants = quotas;
    }

    private void refreshTenants() {
        TenantQuotas t = tenants;
        if (t == null) {
            return;
        }
        Map<String, TenantQuotas.Tenant> snapshot = new HashMap<>();
        for (TenantQuotas.Tenant x : t.tenants()) {
            snapshot.put(x.name(), x);
        }
        tenantSnapshot = snapshot;
        for (String name : snapshot.keySet()) {
            if (tenantMeters.add(name)) {
                Gauge.builder("spillway.tenant.cpu.bytes", () -> tenantFigure(name, x -> x.usage().bytes()))
                    .tag("tenant", name).baseUnit("bytes").description("the tenant's blocks in this node's CPU tier")
                    .register(registry);
                Gauge.builder("spillway.tenant.cpu.share", () -> tenantFigure(name, TenantQuotas.Tenant::nodeShareBytes))
                    .tag("tenant", name).baseUnit("bytes")
                    .description("this node's share of the tenant's CPU quota (0: no quota)").register(registry);
                FunctionCounter.builder("spillway.tenant.quota.evictions", this,
                        m -> m.tenantFigure(name, x -> x.usage().evictions()))
                    .tag("tenant", name).description("the tenant's blocks evicted to keep it within its share")
                    .register(registry);
            }
        }
    }

    private double tenantFigure(String name, ToDoubleFunction<TenantQuotas.Tenant> f) {
        TenantQuotas.Tenant t = tenantSnapshot.get(name);
        return t == null ? 0 : f.applyAsDouble(t);
    }

    public String scrape() {
        refreshTenants();
        return registry.scrape();
    }

    /** Refusals on the security boundary: permission denied per tenant, authentication refused per reason. */
    public AccessDenials access() {
        return access;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }
}
