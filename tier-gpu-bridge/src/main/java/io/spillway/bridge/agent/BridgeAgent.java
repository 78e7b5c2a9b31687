package io.spillway.bridge.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.spillway.bridge.BridgeContext;
import io.spillway.bridge.Backend;
import io.spillway.bridge.OrphanedSegments;
import io.spillway.bridge.SegmentPolicy;
import io.spillway.bridge.TransferFence;
import io.spillway.client.ClientContext;
import io.spillway.client.ClusterKvClient;
import io.spillway.client.GetResult;
import io.spillway.client.KvClient;
import io.spillway.client.PutResult;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.protocol.ErrorCode;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code bin/spillway agent}: runs beside one vLLM worker. Its connector talks to it over a Unix domain socket, a
 * JSON object a line each way ({@link AgentOps} lists the operations); the agent maps the worker's KV tensors
 * ({@link BridgeContext}), keys blocks from token ids with kv-client, and moves them between device memory and the
 * cluster in chunks, so that one chunk is copied while another is on the wire. One thread (the loop) owns the
 * bridge and every transfer and never blocks on one; connection threads only parse and wait for their answer.
 *
 * <p>Only its own user (and {@code peerUids}) may talk to it: the socket is created {@code 0600} ({@link AgentSocket})
 * and each connecting process's user is checked ({@link PeerCheck}). A failed device copy fails its step's blocks,
 * is counted, and is answered to the connector in the next {@code finished} ({@code errors}); the loop goes on.
 */
public final class BridgeAgent implements AutoCloseable {
    private static final Logger LOG = System.getLogger(BridgeAgent.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long REPLY_TIMEOUT_SECONDS = 60;
    /** Errors kept for the next {@code finished} at most (a connector that never polls cannot grow the list). */
    private static final int MAX_REPORTED_ERRORS = 1_000;
    /** How long, and how much, a refused peer may still send before its connection is closed. */
    private static final long REFUSED_DRAIN_NANOS = 1_000_000_000L;
    private static final long REFUSED_DRAIN_BYTES = 64 * 1024;

    private final AgentContext ctx;
    /** Connected at the first operation that needs the cluster, and again after a failed connect. */
    private volatile KvClient client;
    private final ServerSocketChannel server;
    private final PeerCheck peers;
    /** The users refused so far, each logged once (at most 64 remembered). */
    private final Set<String> refusedUsers = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final Thread loop;
    private final Thread acceptor;
    private volatile boolean running = true;

    // owned by the loop thread
    private BridgeContext bridge;
    private TransferFence fence = TransferFence.NONE;
    private Namespace namespace;
    private BlockKey namespaceKey;
    private final ArrayDeque<Step> needSlots = new ArrayDeque<>();
    private final List<Step> copying = new ArrayList<>();
    private final List<String> saved = new ArrayList<>();
    private final List<String> loaded = new ArrayList<>();
    private final List<Integer> failedBlocks = new ArrayList<>();
    /** {@code {"req", "error"}} of each request whose device copy failed since the last {@code finished}. */
    private final List<ObjectNode> transferErrors = new ArrayList<>();
    /** Steps created and not yet released: their slots may still be written by the device or the network. */
    private int liveSteps;
    private boolean loopErrorLogged;
    private volatile boolean oversizeLogged;
    private final AgentCounters counters = new AgentCounters();

    public BridgeAgent(AgentContext ctx) throws IOException {
        this(ctx, null);
    }

    /**
     * {@code self}: the user the agent takes as its own when it checks a peer, or null for the one it runs as (the
     * owner of the socket it created); tests pass another to be a stranger to it.
     */
    BridgeAgent(AgentContext ctx, UserPrincipal self) throws IOException {
        this.ctx = ctx;
        // a predecessor killed with SIGKILL (an OOM kill, a container restart) left its host regions in /dev/shm
        OrphanedSegments.reap(OrphanedSegments.SHM, SegmentPolicy.PREFIX_DEFAULT);
        server = AgentSocket.bind(ctx.socket());
        try {
            peers = new PeerCheck(self != null ? self : Files.getOwner(ctx.socket(), LinkOption.NOFOLLOW_LINKS),
                ctx.peerUids());
        } catch (IOException | RuntimeException e) {
            server.close();
            Files.deleteIfExists(ctx.socket());
            throw e;
        }
        loop = new Thread(this::runLoop, "spillway-agent-loop");
        loop.setDaemon(true);
        loop.start();
        acceptor = new Thread(this::accept, "spillway-agent-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public AgentContext context() {
        return ctx;
    }

    /** What the agent counted (also answered by {@code stats}, to peers it admits). */
    AgentCounters counters() {
        return counters;
    }

    /**
     * The cluster client, connecting first when there is none: an agent starts whether or not its cluster is up,
     * and tells the connector which it is.
     */
    private KvClient client() {
        KvClient c = client;
        if (c == null) {
            try {
                ClientContext cc = ctx.clientContext();
                // with seeds, through the partition map to each block's owners: one node refuses the partitions
                // it does not own (NOT_OWNER)
                c = ctx.clustered() ? ClusterKvClient.connect(cc) : KvClient.connect(cc);
            } catch (RuntimeException e) {
                throw new IllegalStateException(ctx.target() + " cannot be reached: " + e.getMessage(), e);
            }
            client = c;
        }
        return c;
    }

    private void accept() {
        while (running) {
            try {
                SocketChannel channel = server.accept();
                if (!admitted(channel)) {
                    continue;
                }
                Thread t = new Thread(() -> serve(channel), "spillway-agent-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (running) {
                    LOG.log(Level.WARNING, "agent: accept failed: " + e.getMessage());
                }
                return;
            }
        }
    }

    /**
     * Whether the connecting process's user may talk to the agent ({@link PeerCheck}); a refused one gets one error
     * line, and its connection is closed, counted ({@code refused_peers}) and logged once per user.
     */
    private boolean admitted(SocketChannel channel) {
        UserPrincipal peer = PeerCheck.peerOf(channel);
        if (peers.allows(peer)) {
            return true;
        }
        counters.refusedPeers.incrementAndGet();
        String who = peer == null ? "a peer whose user the kernel did not give" : "user " + peer.getName();
        String why = "refused: " + who + " is not the agent's user nor one of its peer uids ("
            + AgentContext.PEER_UIDS_PROP + ")";
        if (refusedUsers.size() < 64 && refusedUsers.add(who)) {
            LOG.log(Level.WARNING, "agent: a connection to " + ctx.socket() + " " + why + " (counted in "
                + "stats.refused_peers; logged once per user)");
        }
        Thread t = new Thread(() -> refuse(channel, why), "spillway-agent-refused");
        t.setDaemon(true);
        t.start();
        return false;
    }

    /**
     * Answers a refused peer with one error line, then reads and drops what it sends for up to a second (at most 64
     * KiB): a connector that writes its request after the agent answered still reads the reason, instead of a
     * broken pipe. Then the connection is closed.
     */
    private static void refuse(SocketChannel channel, String why) {
        try (channel; Selector selector = Selector.open()) {
            ByteBuffer line = ByteBuffer.wrap((JSON.writeValueAsString(error(why)) + "\n")
                .getBytes(StandardCharsets.UTF_8));
            while (line.hasRemaining()) {
                channel.write(line);
            }
            channel.shutdownOutput();
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ);
            ByteBuffer sink = ByteBuffer.allocate(4096);
            long deadline = System.nanoTime() + REFUSED_DRAIN_NANOS;
            long drained = 0;
            long left;
            while ((left = deadline - System.nanoTime()) > 0 && drained < REFUSED_DRAIN_BYTES) {
                selector.select(Math.max(1, left / 1_000_000));
                sink.clear();
                int n = channel.read(sink);
                if (n < 0) {
                    return;
                }
                drained += n;
            }
        } catch (IOException e) {
            // it went away first
        }
    }

    /**
     * One connection: a JSON object a line in, one a line out, in order. A line longer than
     * {@link AgentContext#maxRequestBytes} is answered with an error, counted ({@code oversized_requests}), and its
     * connection closed: what follows it cannot be told apart from the rest of that line. Other connections go on.
     */
    private void serve(SocketChannel channel) {
        try (channel; OutputStream out = Channels.newOutputStream(channel)) {
            RequestLineReader in = new RequestLineReader(Channels.newInputStream(channel), ctx.maxRequestBytes());
            String line;
            while (true) {
                try {
                    line = in.readLine();
                } catch (RequestLineReader.TooLong e) {
                    counters.oversizedRequests.incrementAndGet();
                    if (!oversizeLogged) {
                        oversizeLogged = true;
                        LOG.log(Level.WARNING, "agent: " + e.getMessage() + " (counted in stats.oversized_requests; "
                            + "logged once)");
                    }
                    reply(out, error(e.getMessage()));
                    return;
                }
                if (line == null) {
                    return;
                }
                ObjectNode reply;
                try {
                    reply = answer(JSON.readTree(line));
                } catch (JsonProcessingException e) {
                    reply = error("not a JSON object: " + e.getOriginalMessage());
                }
                reply(out, reply);
            }
        } catch (IOException e) {
            // the connector went away
        }
    }

    private static void reply(OutputStream out, ObjectNode reply) throws IOException {
        out.write((JSON.writeValueAsString(reply) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private ObjectNode answer(JsonNode request) {
        if (request == null || !request.isObject() || !request.path("op").isTextual()) {
            return error("a request is a JSON object with an \"op\"");
        }
        String op = request.get("op").asText();
        CompletableFuture<ObjectNode> reply = new CompletableFuture<>();
        Runnable command = switch (op) {
            case "register" -> () -> register(request, reply);
            case "lookup" -> () -> lookup(request, reply);
            case "save" -> () -> transfer(request, reply, true);
            case "load" -> () -> transfer(request, reply, false);
            case "finished" -> () -> finished(reply);
            case "stats" -> () -> stats(reply);
            case "ping" -> () -> reply.complete(ok());
            default -> null;
        };
        if (command == null) {
            return error("unknown op '" + op + "': expected " + AgentOps.NAMES);
        }
        commands.add(() -> {
            try {
                command.run();
            } catch (RuntimeException e) {
                reply.complete(error(e.getMessage() == null ? e.toString() : e.getMessage()));
            }
        });
        LockSupport.unpark(loop);
        try {
            return reply.get(REPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            return error(op + " did not finish: " + e);
        }
    }

    // ---- operations, on the loop thread ----

    private void register(JsonNode r, CompletableFuture<ObjectNode> reply) {
        if (liveSteps > 0) { // their pinned slots belong to the mapping a new register would close
            throw new IllegalStateException(liveSteps + " transfer steps are in flight: register again once "
                + "finished reports them");
        }
        Registration reg = Registration.parse(r, ctx.tenant());
        BridgeContext opened = BridgeContext.builder().backend(reg.staged() ? Backend.HOST : ctx.backend())
            .device(ctx.device()).library(reg.staged() ? null : ctx.library())
            .ipcHandles(reg.cache(), reg.regions()).slots(ctx.slots()).segments(ctx.segments())
            .injectCopyFaults(reg.staged() || ctx.backend() == Backend.HOST ? ctx.copyFaults() : 0).build();
        TransferFence openedFence;
        try {
            openedFence = reg.fence() == null ? TransferFence.NONE : TransferFence.open(reg.fence(), ctx.segments());
        } catch (RuntimeException e) {
            opened.close();
            throw e;
        }
        BlockKey key;
        try {
            key = client().registerNamespace(reg.namespace()).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            opened.close();
            openedFence.close();
            reply.complete(error(e instanceof IllegalStateException ? e.getMessage()
                : "the cluster did not register the namespace: " + e));
            return;
        }
        if (bridge != null) {
            bridge.close();
        }
        fence.close();
        bridge = opened;
        fence = openedFence;
        namespace = reg.namespace();
        namespaceKey = key;
        reply.complete(ok().put("block_bytes", reg.staged() ? reg.cache().pageBytes() : reg.cache().blockBytes())
            .put("staged", reg.staged()).put("namespace", key.toHex()));
    }

    private void lookup(JsonNode r, CompletableFuture<ObjectNode> reply) {
        client(); // a cluster that cannot be reached says so first
        requireRegistered();
        BlockKey[] keys = keysOf(r);
        client().lookupLongPrefix(namespaceKey, keys).whenComplete((found, error) -> reply.complete(error != null
            ? error("lookup failed: " + error) : ok().put("blocks", found.prefixLength())));
    }

    /**
     * {@code save} or {@code load}: blocks {@code from ..} of the request's full blocks, at the worker's
     * {@code block_ids}, in generation {@code gen} (a transfer of a generation the connector has fenced never touches
     * the worker's blocks).
     */
    private void transfer(JsonNode r, CompletableFuture<ObjectNode> reply, boolean save) {
        requireRegistered();
        TransferRequest t = TransferRequest.parse(r, namespace, bridge.spec().numBlocks());
        Job job = new Job(t.req, save, t.generation);
        for (int at = 0; at < t.blockCount(); at += ctx.chunkBlocks()) {
            int to = Math.min(t.blockCount(), at + ctx.chunkBlocks());
            needSlots.add(new Step(job, t.blockIds(at, to), t.keys(at, to)));
            job.steps++;
        }
        if (job.steps == 0) {
            job.finish();
        }
        reply.complete(ok().put("chunks", job.steps));
    }

    /** The keys of a request's full blocks: its {@code tokens} and {@code extras} under the registered namespace. */
    private BlockKey[] keysOf(JsonNode r) {
        return TransferRequest.keys(r, namespace);
    }

    private void finished(CompletableFuture<ObjectNode> reply) {
        ObjectNode out = ok();
        ArrayNode s = out.putArray("saved");
        saved.forEach(s::add);
        ArrayNode l = out.putArray("loaded");
        loaded.forEach(l::add);
        ArrayNode f = out.putArray("failed_blocks");
        failedBlocks.forEach(f::add);
        ArrayNode e = out.putArray("errors");
        transferErrors.forEach(e::add);
        saved.clear();
        loaded.clear();
        failedBlocks.clear();
        transferErrors.clear();
        reply.complete(out);
    }

    private void stats(CompletableFuture<ObjectNode> reply) {
        reply.complete(counters.writeTo(ok()).put("live_steps", liveSteps).put("busy", fence.busy())
            .put("registered", bridge != null).put("in_place", bridge != null && bridge.inPlace()));
    }

    private void requireRegistered() {
        if (bridge == null) {
            throw new IllegalStateException("register the worker's KV caches first");
        }
    }

    // ---- the loop ----

    private void runLoop() {
        while (running) {
            boolean worked = false;
            Runnable c;
            while ((c = commands.poll()) != null) {
                guarded(c);
                worked = true;
            }
            while (!needSlots.isEmpty() && bridge != null) {
                int[] slots = bridge.takeSlots(needSlots.peek().blockIds.length);
                if (slots == null) {
                    break;
                }
                Step step = needSlots.poll();
                guarded(() -> step.start(slots));
                worked = true;
            }
            for (Iterator<Step> it = copying.iterator(); it.hasNext(); ) {
                Step step = it.next();
                boolean done;
                try {
                    done = step.transfer.isDone();
                } catch (RuntimeException e) {
                    done = true;
                    step.failure = e;
                }
                if (done) {
                    it.remove();
                    guarded(step::copied);
                    worked = true;
                }
            }
            if (!worked) {
                LockSupport.parkNanos(copying.isEmpty() ? 1_000_000L : 20_000L);
            }
        }
    }

    /** Runs {@code work} on the loop; whatever it throws is counted and reported once, and the loop goes on. */
    private void guarded(Runnable work) {
        try {
            work.run();
        } catch (RuntimeException | AssertionError e) {
            counters.loopErrors.incrementAndGet();
            if (!loopErrorLogged) {
                loopErrorLogged = true;
                LOG.log(Level.WARNING, "agent: an operation failed on the loop thread (counted in stats.loop_errors; "
                    + "reported once): " + e);
            }
        }
    }

    /** One request's save or load; a load's failed blocks are reported with its end, in the same answer. */
    private final class Job {
        final String req;
        final boolean save;
        final long generation;
        final List<Integer> failed = new ArrayList<>();
        /** The first failed device copy's error, or null. */
        String error;
        int steps;
        int done;

        Job(String req, boolean save, long generation) {
            this.req = req;
            this.save = save;
            this.generation = generation;
        }

        void stepDone() {
            if (++done == steps) {
                finish();
            }
        }

        void finish() {
            (save ? saved : loaded).add(req);
            failedBlocks.addAll(failed);
            if (error != null && transferErrors.size() < MAX_REPORTED_ERRORS) {
                transferErrors.add(JSON.createObjectNode().put("req", req).put("error", error));
            }
        }

        void copyFailed(RuntimeException e) {
            counters.failedCopies.incrementAndGet();
            if (error == null) {
                error = (save ? "save" : "load") + ": a device copy failed: "
                    + (e.getMessage() == null ? e.toString() : e.getMessage());
            }
        }
    }

    /**
     * A chunk of a job: its blocks' worker ids and keys, and the pinned slots it holds while it runs. Every exit
     * path ends in {@link #release}, exactly once, and every {@link TransferFence#enter} that let a copy run is
     * matched by one {@link TransferFence#exit} when the copy has ended or failed to start.
     */
    private final class Step {
        final Job job;
        final int[] blockIds;
        final BlockKey[] keys;
        int[] slots;
        BridgeContext.Transfer transfer;
        BridgeContext owner;
        TransferFence guard;
        /** Why the device copy failed (its poll threw), or null. */
        RuntimeException failure;
        /** The blocks the device copy moves: all of a save's, a load's that the cluster had. */
        int[] copyIds;

        Step(Job job, int[] blockIds, BlockKey[] keys) {
            this.job = job;
            this.blockIds = blockIds;
            this.keys = keys;
            liveSteps++;
        }

        /** Save: copy the blocks off the device. Load: read them from the cluster into the slots. */
        void start(int[] taken) {
            slots = taken;
            owner = bridge;
            guard = fence;
            if (owner.inPlace() && job.save) {
                startInPlace();
                return;
            }
            if (!job.save) {
                try {
                    client().get(namespaceKey, keys, buffers()).whenComplete((got, error) ->
                        commands.add(() -> fetched(got, error)));
                } catch (RuntimeException e) {
                    counters.failedGets.incrementAndGet();
                    fail(blockIds);
                }
                return;
            }
            startCopy(blockIds, slots);
        }

        /**
         * A save on the host backend with blocks of one run each ({@link BridgeContext#inPlace}): the cluster client
         * reads the worker's blocks themselves, with no copy through the slots (still taken: they bound what is in
         * flight). The fence is held from before the request until its answer, as around a device copy: a connector
         * that gave up waits for it, and a fenced generation never reaches the network. Loads still go through the
         * slots: in place, they did not win in the interleaved runs (docs/benchmarks.md, "Agent data path").
         */
        private void startInPlace() {
            copyIds = blockIds;
            if (!guard.enter(job.generation)) {
                counters.fencedSteps.incrementAndGet();
                fail(blockIds);
                return;
            }
            ByteBuffer[] blocks = new ByteBuffer[blockIds.length];
            for (int i = 0; i < blocks.length; i++) {
                blocks[i] = owner.blockInPlace(blockIds[i]);
            }
            try {
                client().put(namespaceKey, keys, blocks).whenComplete((put, error) ->
                    commands.add(() -> sentInPlace(put, error)));
            } catch (RuntimeException e) {
                guard.exit();
                counters.failedPuts.incrementAndGet();
                fail(blockIds);
            }
        }

        /** An in-place save's answer: the fence is let go, the stored blocks counted. */
        private void sentInPlace(PutResult put, Throwable error) {
            guard.exit();
            int stored = error == null ? put.count(ErrorCode.OK) : 0;
            counters.savedBlocks.addAndGet(stored);
            counters.failedPuts.addAndGet(keys.length - stored);
            release();
        }

        /** Starts the device copy of blocks {@code ids} and slots {@code into}, unless their generation is fenced. */
        private void startCopy(int[] ids, int[] into) {
            copyIds = ids;
            if (!guard.enter(job.generation)) {
                counters.fencedSteps.incrementAndGet();
                fail(ids);
                return;
            }
            try {
                transfer = job.save ? owner.save(ids, into) : owner.load(ids, into);
            } catch (RuntimeException e) {
                guard.exit();
                job.copyFailed(e);
                fail(ids);
                return;
            }
            copying.add(this);
        }

        private ByteBuffer[] buffers() {
            ByteBuffer[] out = new ByteBuffer[slots.length];
            for (int i = 0; i < slots.length; i++) {
                out[i] = owner.slot(slots[i]);
            }
            return out;
        }

        /** Load: what the cluster had goes to the device; a block it lacked, and every one after it, failed. */
        private void fetched(GetResult got, Throwable error) {
            int hits = 0;
            if (error != null) {
                counters.failedGets.incrementAndGet();
            } else {
                while (hits < keys.length && got.hit(hits) && got.lengths()[hits] == owner.spec().blockBytes()) {
                    hits++;
                }
            }
            for (int i = hits; i < blockIds.length; i++) {
                job.failed.add(blockIds[i]);
            }
            if (hits == 0) {
                release();
                return;
            }
            startCopy(Arrays.copyOf(blockIds, hits), Arrays.copyOf(slots, hits));
            LockSupport.unpark(loop);
        }

        /** The device copy ended (or its poll threw): a save sends the slots to the cluster; a load is done. */
        void copied() {
            guard.exit();
            transfer.close();
            if (failure != null) {
                job.copyFailed(failure);
                fail(copyIds);
                return;
            }
            if (!job.save) {
                counters.loadedBlocks.addAndGet(copyIds.length);
                release();
                return;
            }
            if (guard.fenced(job.generation)) { // given up while the copy ran: the slots may hold reused blocks
                counters.fencedSteps.incrementAndGet();
                release();
                return;
            }
            try {
                client().put(namespaceKey, keys, buffers()).whenComplete((PutResult put, Throwable error) ->
                    commands.add(() -> {
                        int stored = error == null ? put.count(ErrorCode.OK) : 0;
                        counters.savedBlocks.addAndGet(stored);
                        counters.failedPuts.addAndGet(keys.length - stored);
                        release();
                    }));
            } catch (RuntimeException e) {
                counters.failedPuts.incrementAndGet();
                release();
            }
        }

        /** Blocks {@code ids} of the step failed (a load reports them; a save is dropped); the step ends. */
        private void fail(int[] ids) {
            if (!job.save) {
                for (int id : ids) {
                    job.failed.add(id);
                }
            }
            release();
        }

        private void release() {
            owner.giveBack(slots);
            liveSteps--;
            job.stepDone();
        }
    }

    // ---- JSON helpers ----

    private static ObjectNode ok() {
        return JSON.createObjectNode().put("ok", true);
    }

    static ObjectNode error(String message) {
        return JSON.createObjectNode().put("ok", false).put("error", message);
    }

    @Override
    public void close() {
        running = false;
        try {
            server.close();
            Files.deleteIfExists(ctx.socket());
        } catch (IOException e) {
            // closing anyway
        }
        LockSupport.unpark(loop);
        try {
            loop.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (client != null) {
            client.close(); // first: no read may land in a pinned slot once the bridge frees them
        }
        if (bridge != null) {
            bridge.close();
        }
        fence.close();
    }
}
