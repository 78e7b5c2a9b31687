package io.spillway.client;

import io.spillway.cluster.NodeInfo;
import io.spillway.cluster.PartitionMap;
import io.spillway.key.BlockKey;
import io.spillway.protocol.ErrorCode;
import io.spillway.protocol.FrameHeader;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One get across the cluster. Each round asks, for every unresolved key, the first owner (newest map, primary
 * first) this get has not asked yet and that is not marked dead, one batch per node. A hit resolves the key; a
 * {@code NOT_FOUND}, {@code NOT_OWNER}, {@code CHECKSUM_MISMATCH}, other per-key error or a failed request moves
 * it on to the next owner. A key with no owner left is {@code NOT_FOUND} when some owner said so; otherwise, when
 * a {@code NOT_OWNER} or failure hinted at a stale map, the map is refreshed and the key goes on with owners of a
 * newer map, else it ends with the last error. A key is in at most one request at a time, so its destination is
 * written by one node's reply only; a failed request's late reply is dropped by its connection.
 *
 * <p>Slow members (docs/cluster-client.md, "Slow and hung nodes"): a suspect owner is asked last; a request to an
 * owner is abandoned at that owner's hedge delay when another owner is left, and a key whose owner could not answer
 * is also asked of its stand-ins before it ends {@code NOT_FOUND}.
 *
 * <p>Read repair: a key that hit on a later owner after earlier owners answered {@code NOT_FOUND} has its bytes
 * copied (before the caller's future completes) and put to those owners after it completes.
 */
final class ClusterGet {
    private final ClusterKvClient client;
    private final ClusterMembers members;
    private final ClusterCounters counters;
    private final BlockKey namespace;
    private final BlockKey[] keys;
    private final ByteBuffer[] destinations;
    private final ErrorCode[] statuses;
    private final TierKind[] tiers;
    private final int[] lengths;
    private final List<Set<String>> asked;
    private final List<List<NodeInfo>> missedOn;
    private final ErrorCode[] lastError;
    private final boolean[] done;
    /** Key i had an owner that could not answer (suspect, dead, slow, failed): its stand-ins may hold the block. */
    private final boolean[] wantStandIns;
    /** Owners whose request for key i was abandoned at the hedge delay (null until one was). */
    private final List<NodeInfo>[] hedgedFrom;
    /** Key i is being asked again of an owner abandoned at its hedge delay: never hedged again (it would loop). */
    private final boolean[] lastTry;
    private final long deadline;
    private final CompletableFuture<GetResult> future = new CompletableFuture<>();
    private final Map<NodeInfo, List<Integer>> repairs = new LinkedHashMap<>();
    private final Map<Integer, ByteBuffer> repairBytes = new LinkedHashMap<>();
    private int outstanding;
    private boolean refreshWanted;
    private NodeInfo refreshHint;
    private long refreshedTo = -1;
    private long topologyVersion = -1;
    private KvClientException fatal;

    ClusterGet(ClusterKvClient client, BlockKey namespace, BlockKey[] keys, ByteBuffer[] destinations) {
        this.client = client;
        this.members = client.members();
        this.counters = client.counters();
        this.namespace = namespace;
        this.keys = keys;
        this.destinations = destinations;
        int n = keys.length;
        this.statuses = new ErrorCode[n];
        this.tiers = new TierKind[n];
        this.lengths = new int[n];
        this.asked = new ArrayList<>(n);
        this.missedOn = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            asked.add(new HashSet<>());
            missedOn.add(new ArrayList<>());
        }
        this.lastError = new ErrorCode[n];
        this.done = new boolean[n];
        this.wantStandIns = new boolean[n];
        @SuppressWarnings("unchecked")
        List<NodeInfo>[] hedged = (List<NodeInfo>[]) new List<?>[n];
        this.hedgedFrom = hedged;
        this.lastTry = new boolean[n];
        this.deadline = System.nanoTime() + client.context().retryDeadline().toNanos();
    }

    CompletableFuture<GetResult> start() {
        round();
        return future;
    }

    private void round() {
        PartitionMap map = members.map();
        Map<NodeInfo, List<Integer>> plan = new LinkedHashMap<>();
        boolean needMap = false;
        boolean finishNow = false;
        synchronized (this) {
            if (future.isDone()) {
                return;
            }
            if (fatal != null) { // only now: no request of this get is still writing into a destination
                future.completeExceptionally(fatal);
                return;
            }
            for (int i = 0; i < keys.length; i++) {
                if (done[i]) {
                    continue;
                }
                NodeInfo next = nextOwner(map, i);
                if (next != null) {
                    plan.computeIfAbsent(next, n -> new ArrayList<>()).add(i);
                } else if (!missedOn.get(i).isEmpty()) {
                    resolve(i, ErrorCode.NOT_FOUND);
                } else if (refreshWanted && map.topologyVersion() > refreshedTo
                    && System.nanoTime() - deadline < 0) {
                    needMap = true; // every owner refused or failed: a newer map may name others
                } else {
                    resolve(i, lastError[i] == null ? ErrorCode.NOT_FOUND : lastError[i]);
                }
            }
            if (plan.isEmpty() && !needMap) {
                finishNow = true;
            } else if (plan.isEmpty()) {
                refreshedTo = map.topologyVersion();
                NodeInfo hint = refreshHint;
                refreshWanted = false;
                members.refresh(hint).whenComplete((m, e) -> {
                    synchronized (this) {
                        if (e != null || members.map().topologyVersion() <= refreshedTo) {
                            refreshedTo = Long.MAX_VALUE; // no newer map: end with what we have
                        }
                    }
                    round();
                });
                return;
            }
            outstanding = plan.size();
        }
        if (finishNow) {
            finish();
            return;
        }
        plan.forEach((node, indices) -> send(map, node, indices));
    }

    /**
     * The next member to ask for key i: the first owner not yet asked, not dead and not suspect; then, once some
     * owner could not answer (suspect, dead, slow or failed), the first such stand-in; then suspect owners and
     * stand-ins (asked with the hedge cap as their timeout, see {@link #send}); then an owner abandoned at its hedge
     * delay, once more. Dead ones are marked asked (and counted).
     */
    private NodeInfo nextOwner(PartitionMap map, int i) {
        List<NodeInfo> owners = map.owners(namespace, keys[i]);
        NodeInfo next = firstAskable(owners, i, false);
        if (next == null && wantStandIns[i]) {
            next = firstAskable(map.standIns(namespace, keys[i]), i, false);
        }
        if (next == null) { // suspect ones last, with a short timeout: one may hold the only copy a put left
            next = firstAskable(owners, i, true);
        }
        if (next == null && wantStandIns[i]) {
            next = firstAskable(map.standIns(namespace, keys[i]), i, true);
        }
        if (next == null) {
            next = hedgedAgain(i);
        }
        if (next != null) {
            if (!asked.get(i).isEmpty()) {
                counters.failovers.increment();
            }
            asked.get(i).add(next.id());
        }
        return next;
    }

    /**
     * An owner whose request for key i was abandoned at its hedge delay, asked once more (with the plain request
     * timeout, as nowhere else is left) because everywhere else missed or failed: it may hold the only copy.
     */
    private NodeInfo hedgedAgain(int i) {
        if (hedgedFrom[i] == null || hedgedFrom[i].isEmpty()) {
            return null;
        }
        NodeInfo n = hedgedFrom[i].remove(0);
        asked.get(i).remove(n.id()); // the caller marks it asked again
        lastTry[i] = true;
        return members.isDead(n) ? hedgedAgain(i) : n;
    }

    /** The first of {@code candidates} not asked for key i and not dead, among suspect ones or among the others. */
    private NodeInfo firstAskable(List<NodeInfo> candidates, int i, boolean suspect) {
        for (NodeInfo n : candidates) {
            if (asked.get(i).contains(n.id())) {
                continue;
            }
            if (members.isDead(n)) {
                asked.get(i).add(n.id());
                counters.deadNodeSkips.increment();
                lastError[i] = ErrorCode.CONNECTION_LOST;
                refreshWanted = true;
                wantStandIns[i] = true;
                continue;
            }
            if (members.isSuspect(n) != suspect) {
                if (!suspect && !wantStandIns[i]) {
                    wantStandIns[i] = true;
                    counters.suspectSkips.increment();
                }
                continue;
            }
            return n;
        }
        return null;
    }

    /**
     * Whether key i has somewhere left to ask (not asked, not dead) should the node asked now not answer in time:
     * another owner, or, for a replicated namespace (r >= 2), a stand-in, which holds the copies that puts made while
     * an owner was slow.
     */
    private boolean hasAlternative(PartitionMap map, int i) {
        for (NodeInfo o : map.owners(namespace, keys[i])) {
            if (!asked.get(i).contains(o.id()) && !members.isDead(o)) {
                return true;
            }
        }
        if (map.replication(namespace) < 2) {
            return false;
        }
        for (NodeInfo s : map.standIns(namespace, keys[i])) {
            if (!asked.get(i).contains(s.id()) && !members.isDead(s)) {
                return true;
            }
        }
        return false;
    }

    private void resolve(int i, ErrorCode status) {
        done[i] = true;
        statuses[i] = status;
    }

    /**
     * Sends node's share. When every key in it has another owner (or stand-in) left, the request is abandoned at the node's hedge
     * delay (its get p99, clamped) and its keys go on to that owner; a stand-in is asked with the stand-in flag.
     */
    private void send(PartitionMap map, NodeInfo node, List<Integer> indices) {
        counters.attempts.increment();
        int n = indices.size();
        BlockKey[] k = new BlockKey[n];
        ByteBuffer[] d = new ByteBuffer[n];
        boolean hedge = true;
        int flags = 0;
        synchronized (this) {
            for (int j = 0; j < n; j++) {
                int i = indices.get(j);
                k[j] = keys[i];
                d[j] = destinations[i];
                hedge &= !lastTry[i] && hasAlternative(map, i);
                if (!map.owns(node.id(), namespace, keys[i])) {
                    flags = FrameHeader.FLAG_STAND_IN;
                }
            }
        }
        NodeHealth health = members.health(node);
        boolean suspect = members.isSuspect(node); // asked last: not waited for longer than the hedge cap
        long delay = suspect ? client.context().hedgeDelayCap().toNanos()
            : hedge ? health.hedgeDelayNanos(client.context()) : 0;
        int f = flags;
        long sent = System.nanoTime();
        ClusterMembers.send(() -> members.client(node).getChecked(namespace, k, d, f, delay), result -> {
            health.gets.record(System.nanoTime() - sent);
            health.answered();
            onReply(map, node, indices, result);
        }, cause -> {
            if (delay > 0 && cause instanceof KvClientException e && e.code() == ErrorCode.TIMEOUT) {
                health.gets.record(delay); // censored: it took at least this long
                counters.hedges.increment();
                members.onSlow(node);
                synchronized (this) {
                    for (int i : indices) {
                        if (suspect) {
                            continue; // a suspect member is not asked again
                        }
                        if (hedgedFrom[i] == null) {
                            hedgedFrom[i] = new ArrayList<>(1);
                        }
                        hedgedFrom[i].add(node);
                    }
                }
            }
            onFailure(node, indices, cause);
        });
    }

    private void onReply(PartitionMap map, NodeInfo node, List<Integer> indices, GetResult result) {
        members.onSuccess(node);
        boolean last;
        synchronized (this) {
            topologyVersion = Math.max(topologyVersion, result.topologyVersion());
            if (result.topologyVersion() > map.topologyVersion()) {
                members.refresh(node); // stale map: fetch in the background; later rounds use the newer one
            }
            for (int j = 0; j < indices.size(); j++) {
                int i = indices.get(j);
                ErrorCode s = result.statuses()[j];
                switch (s) {
                    case OK -> {
                        resolve(i, s);
                        tiers[i] = result.tiers()[j];
                        lengths[i] = result.lengths()[j];
                        if (!missedOn.get(i).isEmpty() && client.readRepairEnabled()) {
                            ByteBuffer copy = ByteBuffer.allocate(lengths[i]);
                            copy.put(destinations[i].duplicate()).flip();
                            repairBytes.put(i, copy);
                            for (NodeInfo missed : missedOn.get(i)) {
                                repairs.computeIfAbsent(missed, x -> new ArrayList<>()).add(i);
                            }
                        }
                    }
                    case NOT_FOUND -> missedOn.get(i).add(node);
                    case BUFFER_TOO_SMALL -> {
                        resolve(i, s);
                        lengths[i] = result.lengths()[j];
                    }
                    default -> { // NOT_OWNER, CHECKSUM_MISMATCH, INTERNAL: the next owner may do better
                        if (s == ErrorCode.NOT_OWNER) {
                            counters.redirects.increment();
                            refreshWanted = true;
                            refreshHint = node;
                        }
                        lastError[i] = s;
                    }
                }
            }
            last = --outstanding == 0;
        }
        if (last) {
            round();
        }
    }

    private void onFailure(NodeInfo node, List<Integer> indices, Throwable failure) {
        members.onFailure(node, failure);
        KvClientException k = failure instanceof KvClientException e ? e
            : new KvClientException(ErrorCode.INTERNAL, "get from " + node.id() + " failed", failure);
        boolean last;
        synchronized (this) {
            if (!k.retryable() && fatal == null) {
                fatal = k; // request-level and final, e.g. UNKNOWN_NAMESPACE
            }
            refreshWanted = true;
            for (int i : indices) {
                lastError[i] = k.code();
                wantStandIns[i] = true; // this owner could not answer: a put may have left its copy on a stand-in
            }
            last = --outstanding == 0;
        }
        if (last) {
            round();
        }
    }

    private void finish() {
        GetResult result = new GetResult(statuses, tiers, lengths, topologyVersion);
        Map<NodeInfo, List<Integer>> todo = repairs.isEmpty() ? Map.of() : new LinkedHashMap<>(repairs);
        future.complete(result);
        todo.forEach((node, indices) -> {
            BlockKey[] k = new BlockKey[indices.size()];
            ByteBuffer[] b = new ByteBuffer[indices.size()];
            for (int j = 0; j < k.length; j++) {
                k[j] = keys[indices.get(j)];
                b[j] = repairBytes.get(indices.get(j));
            }
            client.repair(node, namespace, k, b);
        });
    }
}
