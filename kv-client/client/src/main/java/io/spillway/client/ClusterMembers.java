package io.spillway.client;

import io.netty.channel.EventLoopGroup;
import io.spillway.cluster.NodeInfo;
import io.spillway.cluster.PartitionMap;
import io.spillway.protocol.ErrorCode;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The client's view of the cluster: the newest {@link PartitionMap} it has fetched, one lazily opened
 * {@link NettyKvClient} per member (closed when the member leaves the map), one {@link ControlPlane} per control
 * address, and the nodes that recently refused a connection. {@link #refresh} fetches the map from the node that
 * hinted at a newer one, the last address that answered, the seeds, then every known member; concurrent refreshes
 * share one fetch. A map older than the one held is never installed.
 */
final class ClusterMembers implements AutoCloseable {
    private static final Logger LOG = System.getLogger(ClusterMembers.class.getName());

    private record Member(NodeInfo node, NettyKvClient client) {
    }

    private final ClientContext context;
    private final EventLoopGroup group;
    private final Executor closer;
    private final ClusterCounters counters;
    private final Map<String, Member> members = new ConcurrentHashMap<>();
    private final Map<String, ControlPlane> controls = new ConcurrentHashMap<>();
    private final Map<String, Long> deadUntil = new ConcurrentHashMap<>();
    private final Map<String, NodeHealth> health = new ConcurrentHashMap<>();
    private final AtomicReference<CompletableFuture<PartitionMap>> refreshing = new AtomicReference<>();
    private volatile PartitionMap map;
    private volatile String lastGood;
    private volatile boolean closed;
    private final ClientTls tls;

    /** Opens the client's TLS material (when {@link ClientContext#tls()} is set), shared by every member. */
    ClusterMembers(ClientContext context, EventLoopGroup group, Executor closer, ClusterCounters counters) {
        this.tls = ClientTls.open(context);
        this.context = context;
        this.group = group;
        this.closer = closer;
        this.counters = counters;
    }

    /** The newest map fetched; null before the first fetch. */
    PartitionMap map() {
        return map;
    }

    /** The data-plane client of a member, opened on first use. */
    NettyKvClient client(NodeInfo node) {
        if (closed) {
            throw new KvClientException(ErrorCode.CONNECTION_LOST, "cluster client is closed");
        }
        Member[] replaced = new Member[1];
        Member m = members.compute(node.id(), (id, old) -> {
            if (old != null && old.node.equals(node)) {
                return old;
            }
            replaced[0] = old; // same id, new address: a restarted node
            return new Member(node, new NettyKvClient(context.forNode(node.host(), node.dataPort(),
                node.controlPort()), group, false, null, tls));
        });
        if (replaced[0] != null) {
            closeLater(replaced[0]);
        }
        return m.client;
    }

    /** Whether {@code node} refused a connection less than {@code deadNodeSkip} ago. */
    boolean isDead(NodeInfo node) {
        Long until = deadUntil.get(node.id());
        if (until == null) {
            return false;
        }
        if (until - System.nanoTime() > 0) {
            return true;
        }
        deadUntil.remove(node.id(), until);
        return false;
    }

    /** Notes a failure; a refused connection marks the node dead for {@code deadNodeSkip}. */
    void onFailure(NodeInfo node, Throwable failure) {
        if (refusedConnection(failure)) {
            deadUntil.put(node.id(), System.nanoTime() + context.deadNodeSkip().toNanos());
        }
    }

    void onSuccess(NodeInfo node) {
        deadUntil.remove(node.id());
    }

    /** How {@code node} has been answering (created on first use, dropped when it leaves the map). */
    NodeHealth health(NodeInfo node) {
        return health.computeIfAbsent(node.id(), id -> new NodeHealth());
    }

    boolean isSuspect(NodeInfo node) {
        NodeHealth h = health.get(node.id());
        return h != null && h.suspect();
    }

    /** A slow answer from {@code node} (a hedged get, a put past its quick timeout); may make it suspect. */
    void onSlow(NodeInfo node) {
        if (health(node).slow(context.suspectAfter())) {
            counters.suspected.increment();
            LOG.log(Level.WARNING, "member " + node.id() + " at " + node.dataAddress() + " is suspect: "
                + context.suspectAfter() + " slow answers in a row; gets ask it last, puts use a stand-in");
        }
    }

    /** Ids of the members this client suspects of being slow. */
    Set<String> suspects() {
        Set<String> out = new HashSet<>();
        health.forEach((id, h) -> {
            if (h.suspect()) {
                out.add(id);
            }
        });
        return out;
    }

    /**
     * Scheduler thread: recomputes every member's latency percentiles and pings each suspect member; one that
     * answers within the hedge cap is cleared.
     */
    void checkHealth() {
        for (NodeHealth h : health.values()) {
            h.gets.refresh();
            h.puts.refresh();
        }
        PartitionMap m = map;
        if (m == null || closed) {
            return;
        }
        for (NodeInfo node : m.nodes()) {
            NodeHealth h = health.get(node.id());
            if (h == null || !h.suspect()) {
                continue;
            }
            CompletableFuture<Void> ping;
            try {
                ping = client(node).ping(context.hedgeDelayCap().toNanos());
            } catch (RuntimeException e) {
                continue;
            }
            ping.whenComplete((v, e) -> {
                if (e == null && h.clear()) {
                    counters.recovered.increment();
                    LOG.log(Level.INFO, "member " + node.id() + " answered a ping within "
                        + context.hedgeDelayCap().toMillis() + " ms: no longer suspect");
                }
            });
        }
    }

    static boolean refusedConnection(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ConnectException) {
                return true;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return false;
    }

    /** Fetches the map unless a fetch is already running, in which case its result is shared. */
    CompletableFuture<PartitionMap> refresh(NodeInfo hint) {
        CompletableFuture<PartitionMap> mine = new CompletableFuture<>();
        CompletableFuture<PartitionMap> running = refreshing.compareAndExchange(null, mine);
        if (running != null) {
            return running;
        }
        PartitionMap current = map;
        long known = current == null ? 0 : current.topologyVersion();
        onAnyControl(hint, c -> c.partitionMap(known)).whenComplete((fetched, e) -> {
            PartitionMap now = e == null ? install(fetched) : map;
            refreshing.compareAndSet(mine, null);
            if (e != null) {
                counters.refreshFailures.increment();
                mine.completeExceptionally(e);
            } else {
                counters.refreshes.increment();
                mine.complete(now);
            }
        });
        return mine;
    }

    /** Runs a control-plane call on the first address that answers (transport failures move on to the next). */
    <T> CompletableFuture<T> onAnyControl(NodeInfo hint, Function<ControlPlane, CompletableFuture<T>> call) {
        List<String> order = controlAddresses(hint);
        CompletableFuture<T> result = new CompletableFuture<>();
        tryNext(order, 0, call, result, null);
        return result;
    }

    private <T> void tryNext(List<String> order, int at, Function<ControlPlane, CompletableFuture<T>> call,
                             CompletableFuture<T> result, KvClientException last) {
        if (closed || at == order.size()) {
            result.completeExceptionally(new KvClientException(last == null ? ErrorCode.CONNECTION_LOST : last.code(),
                "no control plane answered; tried " + order + (last == null ? "" : "; last: " + last.getMessage()),
                last));
            return;
        }
        String address = order.get(at);
        CompletableFuture<T> attempt;
        try {
            attempt = call.apply(control(address));
        } catch (RuntimeException e) {
            attempt = CompletableFuture.failedFuture(e);
        }
        attempt.whenComplete((value, e) -> {
            if (e == null) {
                lastGood = address;
                result.complete(value);
                return;
            }
            KvClientException k = ControlPlane.translate(unwrap(e));
            if (k.retryable()) {
                tryNext(order, at + 1, call, result, k);
            } else {
                result.completeExceptionally(k);
            }
        });
    }

    private List<String> controlAddresses(NodeInfo hint) {
        Set<String> order = new LinkedHashSet<>();
        if (hint != null) {
            order.add(hint.controlAddress());
        }
        if (lastGood != null) {
            order.add(lastGood);
        }
        order.addAll(context.seeds());
        PartitionMap m = map;
        if (m != null) {
            for (NodeInfo n : m.nodes()) {
                order.add(n.controlAddress());
            }
        }
        return new ArrayList<>(order);
    }

    private ControlPlane control(String address) {
        return controls.computeIfAbsent(address, a -> {
            InetSocketAddress at = ClientContext.parseSeed(a);
            return new ControlPlane(at.getHostString(), at.getPort(), context.requestTimeout().toMillis(),
                tls);
        });
    }

    /** Installs {@code fetched} unless it is older than the held map; closes members that left. Returns the held map. */
    synchronized PartitionMap install(PartitionMap fetched) {
        PartitionMap current = map;
        if (current != null && fetched.topologyVersion() < current.topologyVersion()) {
            return current;
        }
        map = fetched;
        Set<String> ids = new HashSet<>();
        Set<String> keepControls = new HashSet<>(context.seeds());
        for (NodeInfo n : fetched.nodes()) {
            ids.add(n.id());
            keepControls.add(n.controlAddress());
        }
        for (Member m : members.values()) {
            if (!ids.contains(m.node.id()) && members.remove(m.node.id(), m)) {
                deadUntil.remove(m.node.id());
                health.remove(m.node.id());
                closeLater(m);
            }
        }
        for (Map.Entry<String, ControlPlane> e : controls.entrySet()) {
            if (!keepControls.contains(e.getKey()) && controls.remove(e.getKey(), e.getValue())) {
                closeLater(e.getValue());
            }
        }
        return fetched;
    }

    private void closeLater(Member m) {
        closeLater(m.client);
    }

    private void closeLater(AutoCloseable c) {
        try {
            closer.execute(() -> {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // closing a member that left: nothing to recover
                }
            });
        } catch (RejectedExecutionException e) {
            // the client is closing: close() closes every member itself
        }
    }

    /** Ids of the members whose data-plane client is open (tests). */
    Set<String> openMembers() {
        return Set.copyOf(members.keySet());
    }

    /**
     * Sends one node's share of a cluster request: {@code onReply} with its result, or {@code onFailure} with the
     * unwrapped cause, also when sending itself throws.
     */
    static <T> void send(Supplier<CompletableFuture<T>> request,
                         Consumer<T> onReply, Consumer<Throwable> onFailure) {
        CompletableFuture<T> sent;
        try {
            sent = request.get();
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((result, e) -> {
            if (e == null) {
                onReply.accept(result);
            } else {
                onFailure.accept(unwrap(e));
            }
        });
    }

    static Throwable unwrap(Throwable e) {
        while ((e instanceof CompletionException
            || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    @Override
    public void close() {
        closed = true;
        for (Member m : members.values()) {
            m.client.close();
        }
        members.clear();
        for (ControlPlane c : controls.values()) {
            c.close();
        }
        controls.clear();
        if (tls != null) {
            tls.close();
        }
    }
}
