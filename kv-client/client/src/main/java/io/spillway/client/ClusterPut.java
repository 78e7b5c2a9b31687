package io.spillway.client;

import io.spillway.cluster.NodeInfo;
import io.spillway.cluster.PartitionMap;
import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.protocol.FrameHeader;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One put across the cluster. Each round sends every block to each of its owners (from the newest map, first r of
 * the namespace) that has not yet acknowledged it, one batch per node, all nodes in parallel. A block is OK once
 * every owner of the newest map holds it. Blocks answered {@code NOT_OWNER}, {@code BACK_PRESSURE},
 * {@code SHUTTING_DOWN}, {@code TIMEOUT} or {@code CONNECTION_LOST} go into the next round, after a map refresh
 * (when the answer hinted the map is stale) and a backoff that doubles per round; past the deadline the put fails
 * with {@code TIMEOUT} naming what was missing. Re-sending is safe: blocks are immutable per key.
 *
 * <p>Slow members (docs/cluster-client.md, "Slow and hung nodes"): a put to an owner that has stand-ins gets a quick
 * timeout (twice the owner's put p99, clamped); past it, and while the owner is suspect, the owner's copy goes to
 * the first stand-in that is neither, so a block is still acknowledged by r members.
 */
final class ClusterPut {
    private final ClusterKvClient client;
    private final ClusterMembers members;
    private final ClusterCounters counters;
    private final BlockKey namespace;
    private final BlockKey[] keys;
    private final ByteBuffer[] blocks;
    private final int[] crcs;
    private final List<Set<String>> stored;
    /** Members whose put in this put passed its quick timeout: left out like suspect ones. */
    private final Set<String> slowHere = new HashSet<>();
    private final ErrorCode[] settled;
    private final ErrorCode[] lastError;
    private final String[] lastErrorNode;
    private final long deadline;
    private final CompletableFuture<PutResult> future = new CompletableFuture<>();
    private int round;
    private int outstanding;
    private boolean refreshWanted;
    private NodeInfo refreshHint;
    private long topologyVersion = -1;
    private KvClientException fatal;

    ClusterPut(ClusterKvClient client, BlockKey namespace, BlockKey[] keys, ByteBuffer[] blocks) {
        this.client = client;
        this.members = client.members();
        this.counters = client.counters();
        this.namespace = namespace;
        this.keys = keys;
        this.blocks = blocks;
        this.crcs = PutRequest.crcsOf(blocks);
        this.stored = new ArrayList<>(keys.length);
        for (int i = 0; i < keys.length; i++) {
            stored.add(new HashSet<>());
        }
        this.settled = new ErrorCode[keys.length];
        this.lastError = new ErrorCode[keys.length];
        this.lastErrorNode = new String[keys.length];
        this.deadline = System.nanoTime() + client.context().retryDeadline().toNanos();
    }

    CompletableFuture<PutResult> start() {
        sendRound();
        return future;
    }

    private void sendRound() {
        if (future.isDone()) {
            return;
        }
        PartitionMap map = members.map();
        Map<NodeInfo, List<Integer>> plan = new LinkedHashMap<>();
        synchronized (this) {
            plan(map, plan, true);
            if (plan.isEmpty()) {
                complete();
                return;
            }
            outstanding = plan.size();
            refreshWanted = false;
            refreshHint = null;
        }
        plan.forEach((node, indices) -> send(map, node, indices));
    }

    /**
     * Fills {@code plan} with the blocks each target still lacks; settles blocks every target holds. A block's
     * targets are its owners, except that an owner this client suspects (or that passed its quick timeout in this
     * put) and that does not hold the block yet is replaced by the first of the key's stand-ins that is neither.
     */
    private void plan(PartitionMap map, Map<NodeInfo, List<Integer>> plan, boolean counting) {
        for (int i = 0; i < keys.length; i++) {
            if (settled[i] != null) {
                continue;
            }
            List<NodeInfo> owners = map.owners(namespace, keys[i]);
            boolean missing = owners.isEmpty();
            int avoided = 0;
            for (NodeInfo owner : owners) {
                if (stored.get(i).contains(owner.id())) {
                    continue;
                }
                if (avoid(owner)) {
                    avoided++;
                    continue;
                }
                plan.computeIfAbsent(owner, n -> new ArrayList<>()).add(i);
                missing = true;
            }
            if (avoided > 0) {
                if (counting) {
                    counters.suspectSkips.add(avoided);
                }
                for (NodeInfo standIn : map.standIns(namespace, keys[i])) {
                    if (avoided == 0) {
                        break;
                    }
                    if (stored.get(i).contains(standIn.id())) {
                        avoided--;
                    } else if (!avoid(standIn)) {
                        plan.computeIfAbsent(standIn, n -> new ArrayList<>()).add(i);
                        missing = true;
                        avoided--;
                    }
                }
                if (avoided > 0) { // no stand-in left to take the copy: keep trying the owners themselves
                    for (NodeInfo owner : owners) {
                        if (!stored.get(i).contains(owner.id()) && avoided-- > 0) {
                            plan.computeIfAbsent(owner, n -> new ArrayList<>()).add(i);
                            missing = true;
                        }
                    }
                }
            }
            if (owners.isEmpty()) {
                lastError[i] = ErrorCode.NOT_OWNER;
                lastErrorNode[i] = "(no owner in map v" + map.topologyVersion() + ")";
            }
            if (!missing) {
                settled[i] = ErrorCode.OK;
            }
        }
    }

    /** Whether this put leaves {@code node} out: suspect, or past its quick timeout earlier in this put. */
    private boolean avoid(NodeInfo node) {
        return members.isSuspect(node) || slowHere.contains(node.id());
    }

    private void send(PartitionMap map, NodeInfo node, List<Integer> indices) {
        counters.attempts.increment();
        if (members.isDead(node)) {
            counters.deadNodeSkips.increment();
            onFailure(node, indices, new KvClientException(ErrorCode.CONNECTION_LOST, "node " + node.id() + " at "
                + node.dataAddress() + " refused a connection less than "
                + client.context().deadNodeSkip().toMillis() + " ms ago"));
            return;
        }
        int n = indices.size();
        BlockKey[] k = new BlockKey[n];
        ByteBuffer[] b = new ByteBuffer[n];
        int[] c = new int[n];
        int flags = 0;
        boolean quick = true;
        for (int j = 0; j < n; j++) {
            int i = indices.get(j);
            k[j] = keys[i];
            b[j] = blocks[i];
            c[j] = crcs[i];
            if (!map.owns(node.id(), namespace, keys[i])) {
                flags = FrameHeader.FLAG_STAND_IN;
                counters.standInBlocks.increment();
            }
        }
        quick &= map.nodes().size() > map.replication(namespace); // a stand-in exists to take the copy
        NodeHealth health = members.health(node);
        long timeout = quick && flags == 0 ? health.slowPutTimeoutNanos(client.context()) : 0;
        int f = flags;
        long sent = System.nanoTime();
        ClusterMembers.send(() -> members.client(node).put(namespace, k, b, c, f, timeout), result -> {
            health.puts.record(System.nanoTime() - sent);
            health.answered();
            onReply(map, node, indices, result);
        }, cause -> {
            if (timeout > 0 && cause instanceof KvClientException e && e.code() == ErrorCode.TIMEOUT) {
                health.puts.record(timeout); // censored: it took at least this long
                counters.slowPuts.increment();
                synchronized (this) {
                    slowHere.add(node.id());
                }
                members.onSlow(node);
            }
            onFailure(node, indices, cause);
        });
    }

    private void onReply(PartitionMap map, NodeInfo node, List<Integer> indices, PutResult result) {
        members.onSuccess(node);
        synchronized (this) {
            slowHere.remove(node.id()); // it answered: no longer left out of this put
            topologyVersion = Math.max(topologyVersion, result.topologyVersion());
            if (result.topologyVersion() > map.topologyVersion()) {
                wantRefresh(node);
            }
            for (int j = 0; j < indices.size(); j++) {
                int i = indices.get(j);
                ErrorCode s = result.statuses()[j];
                switch (s) {
                    case OK -> stored.get(i).add(node.id());
                    case NOT_OWNER, BACK_PRESSURE, SHUTTING_DOWN, TIMEOUT, CONNECTION_LOST -> {
                        if (s == ErrorCode.NOT_OWNER) {
                            counters.redirects.increment();
                            wantRefresh(node);
                        }
                        lastError[i] = s;
                        lastErrorNode[i] = node.id();
                    }
                    default -> settled[i] = s; // CHECKSUM_MISMATCH, BLOCK_TOO_LARGE, INTERNAL: retrying cannot help
                }
            }
        }
        roundDone();
    }

    private void onFailure(NodeInfo node, List<Integer> indices, Throwable failure) {
        members.onFailure(node, failure);
        KvClientException k = failure instanceof KvClientException e ? e
            : new KvClientException(ErrorCode.INTERNAL, "put to " + node.id() + " failed", failure);
        synchronized (this) {
            if (!k.retryable()) {
                if (fatal == null) {
                    fatal = k; // request-level and final (UNKNOWN_NAMESPACE): reported once no put reads the buffers
                }
            } else {
                wantRefresh(null); // the node may have left: ask the cluster, not the node
                for (int i : indices) {
                    lastError[i] = k.code();
                    lastErrorNode[i] = node.id();
                }
            }
        }
        roundDone();
    }

    private void wantRefresh(NodeInfo hint) {
        refreshWanted = true;
        if (hint != null) {
            refreshHint = hint;
        }
    }

    private void roundDone() {
        boolean refresh;
        NodeInfo hint;
        synchronized (this) {
            if (--outstanding > 0 || future.isDone()) {
                return;
            }
            if (fatal != null) {
                future.completeExceptionally(fatal);
                return;
            }
            refresh = refreshWanted;
            hint = refreshHint;
        }
        if (refresh) { // a newer map may name other owners: settle against it
            members.refresh(hint).whenComplete((m, e) -> settleOrRetry());
        } else {
            settleOrRetry();
        }
    }

    /** Completes when every block is on every owner of the newest map; else the next round after a backoff. */
    private void settleOrRetry() {
        long left = deadline - System.nanoTime();
        synchronized (this) {
            plan(members.map(), new LinkedHashMap<>(), false);
            if (pending() == 0) {
                complete();
                return;
            }
            if (left <= 0) {
                failDeadline();
                return;
            }
            round++;
        }
        counters.retries.increment();
        long backoff = Math.min(client.context().retryBackoffMax().toNanos(),
            client.context().retryBackoff().toNanos() << Math.min(round - 1, 20));
        client.scheduleRetry(this, Math.min(backoff, left));
    }

    void nextRound() {
        sendRound();
    }

    /** The client closed while this put waited for its next round. */
    void abort() {
        int left;
        synchronized (this) {
            left = pending();
        }
        future.completeExceptionally(new KvClientException(ErrorCode.CONNECTION_LOST,
            "cluster client closed while " + left + " of " + keys.length + " blocks waited to be retried"));
    }

    private int pending() {
        int n = 0;
        for (ErrorCode s : settled) {
            if (s == null) {
                n++;
            }
        }
        return n;
    }

    private void complete() {
        future.complete(new PutResult(settled.clone(), topologyVersion));
    }

    private void failDeadline() {
        StringBuilder what = new StringBuilder();
        int shown = 0;
        PartitionMap map = members.map();
        for (int i = 0; i < keys.length && shown < 3; i++) {
            if (settled[i] == null) {
                List<String> missing = new ArrayList<>();
                for (NodeInfo o : map.owners(namespace, keys[i])) {
                    if (!stored.get(i).contains(o.id())) {
                        missing.add(o.id());
                    }
                }
                what.append(shown++ == 0 ? "" : "; ").append("block ").append(i).append(" (key ").append(keys[i])
                    .append(") not on ").append(missing).append(", last ").append(lastError[i]).append(" from ")
                    .append(lastErrorNode[i]);
            }
        }
        future.completeExceptionally(new KvClientException(ErrorCode.TIMEOUT, pending() + " of " + keys.length
            + " blocks not stored on all their owners within " + client.context().retryDeadline().toMillis()
            + " ms (" + ClientContext.RETRY_DEADLINE_MS_PROP + ", " + round + " retry rounds, map v"
            + map.topologyVersion() + "): " + what));
    }
}
