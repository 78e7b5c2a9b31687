package io.spillway.perf.eval;

import io.spillway.event.vllm.EngineBlockHash;
import io.spillway.event.vllm.VllmEvent;
import io.spillway.event.vllm.VllmEventEncoder;
import io.spillway.event.vllm.VllmExtraKey;
import io.spillway.event.vllm.VllmWire;
import io.spillway.placement.index.Medium;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A live simulated pod's KV events, as vLLM publishes them (docs/events-vllm.md): a ZMQ PUB socket, messages of
 * [topic, seq, msgpack batch], topic {@code kv@<pod>@<model>}. Blocks the pod caches become {@code BlockStored}
 * events (a run of blocks that chain one to the next is one event, with its parent's hash and its token ids), blocks
 * it evicts {@code BlockRemoved}; what happens during one action of the pod's clock goes out as one batch right
 * after it. A block keyed with extras says so as vLLM does: the adapter in {@code lora_name} and in each block's
 * {@code extra_keys}, the cache salt after it in the request's first block's. Used on the pod's clock thread only (ZMQ sockets are single-threaded). No replay endpoint.
 */
final class EngineEvents implements BlockEvents, AutoCloseable {
    private final LiveBlocks blocks;
    private final EngineClock clock;
    private final ZContext context = new ZContext(1);
    private final ZMQ.Socket pub;
    private final int port;
    private final byte[] topic;
    private final VllmEventEncoder encoder = new VllmEventEncoder(VllmEventEncoder.EventFormat.MAP);
    private final List<EngineBlockHash> run = new ArrayList<>();
    private int[] runTokens = new int[64];
    private int runLength;
    private int runParent = -1;
    private int runLast = -1;
    private String runLora;
    private final List<List<VllmExtraKey>> runExtras = new ArrayList<>();
    private final List<EngineBlockHash> removed = new ArrayList<>();
    private long seq;
    private boolean flushPending;

    /** Binds {@code host:port} (0: a free port) and names the pod {@code pod} serving {@code model}. */
    EngineEvents(String host, int port, String pod, String model, LiveBlocks blocks, EngineClock clock) {
        this.blocks = blocks;
        this.clock = clock;
        this.pub = context.createSocket(SocketType.PUB);
        pub.setLinger(0);
        pub.setSndHWM(100_000);
        this.port = port == 0 ? pub.bindToRandomPort("tcp://" + host) : bind(host, port);
        this.topic = ("kv@" + pod + "@" + model).getBytes(StandardCharsets.UTF_8);
    }

    private int bind(String host, int p) {
        pub.bind("tcp://" + host + ":" + p);
        return p;
    }

    int port() {
        return port;
    }

    @Override
    public void stored(int pod, int block) {
        LiveBlocks.Block b = blocks.block(block);
        if (runLast < 0 || b.parent() != runLast || !Objects.equals(b.lora(), runLora)) {
            endRun();
            runParent = b.parent();
            runLora = b.lora();
        }
        run.add(EngineBlockHash.ofLong(b.engineHash()));
        List<VllmExtraKey> extras = new ArrayList<>(2);
        if (b.lora() != null) {
            extras.add(new VllmExtraKey.Text(b.lora()));
        }
        if (b.salt() != null) {
            extras.add(new VllmExtraKey.Text(b.salt()));
        }
        runExtras.add(extras.isEmpty() ? null : extras);
        if (runLength + b.tokens().length > runTokens.length) {
            runTokens = Arrays.copyOf(runTokens, Math.max(runTokens.length * 2, runLength
                + b.tokens().length));
        }
        System.arraycopy(b.tokens(), 0, runTokens, runLength, b.tokens().length);
        runLength += b.tokens().length;
        runLast = block;
        flushSoon();
    }

    @Override
    public void removed(int pod, int block) {
        endRun();
        removed.add(EngineBlockHash.ofLong(blocks.block(block).engineHash()));
        flushSoon();
    }

    @Override
    public void clusterStored(Medium tier, int block) {
    }

    @Override
    public void clusterRemoved(Medium tier, int block) {
    }

    private void endRun() {
        if (!run.isEmpty()) {
            EngineBlockHash parent = runParent < 0 ? null : EngineBlockHash.ofLong(blocks.block(runParent)
                .engineHash());
            int[] tokens = Arrays.copyOf(runTokens, runLength);
            boolean plain = runExtras.stream().allMatch(Objects::isNull);
            encoder.add(plain ? VllmEvent.BlockStored.of(run, parent, tokens, BlockSpace.TOKENS_PER_BLOCK)
                : new VllmEvent.BlockStored(run, parent, tokens, BlockSpace.TOKENS_PER_BLOCK, null, null, runLora,
                    runExtras, null, null, null));
            run.clear();
            runExtras.clear();
            runLength = 0;
        }
        runLast = -1;
        if (!removed.isEmpty()) {
            encoder.add(new VllmEvent.BlockRemoved(removed, null, null));
            removed.clear();
        }
    }

    /** Sends what this action of the clock produced once it is over. */
    private void flushSoon() {
        if (!flushPending) {
            flushPending = true;
            clock.at(clock.now(), now -> flush());
        }
    }

    void flush() {
        flushPending = false;
        endRun();
        if (encoder.eventCount() == 0) {
            return;
        }
        byte[] payload = encoder.finishBatch(System.currentTimeMillis() / 1000.0, 0);
        pub.send(topic, ZMQ.SNDMORE | ZMQ.DONTWAIT);
        pub.send(VllmWire.seqBytes(seq++), ZMQ.SNDMORE | ZMQ.DONTWAIT);
        pub.send(payload, ZMQ.DONTWAIT);
    }

    @Override
    public void close() {
        context.close();
    }
}
