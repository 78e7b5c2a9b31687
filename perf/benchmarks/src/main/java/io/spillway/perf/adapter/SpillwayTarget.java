package io.spillway.perf.adapter;

import io.spillway.client.ClientContext;
import io.spillway.client.GetResult;
import io.spillway.client.KvClient;
import io.spillway.client.PutResult;
import io.spillway.identity.TlsFiles;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.perf.harness.Batch;
import io.spillway.protocol.ErrorCode;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Spillway through its real client ({@link KvClient}): one client with {@code connections} connections shared by
 * all workers; a batch is one PUT_BATCH or GET_BATCH request; gets scatter into the worker's reusable direct
 * buffers. Block {@code id} is key {@code (RUN_SALT, id)} in a bench namespace. With {@link TlsFiles} the client
 * dials the node over mutual TLS (data plane and control plane) with the certificate they name.
 */
public final class SpillwayTarget implements BenchTarget {
    private static final long KEY_HI = 0x5350_494C_4C57_4159L; // "SPILLWAY"

    private final String name;
    private final String host;
    private final int dataPort;
    private final int controlPort;
    private final int connections;
    private final TlsFiles tls; // null: plaintext
    private KvClient client;
    private BlockKey namespace;
    private BlockKey[][] keysPerWorker;

    public SpillwayTarget(String host, int dataPort, int controlPort, int connections) {
        this("spillway", host, dataPort, controlPort, connections, null);
    }

    /** A target named {@code name} that connects with {@code tls} (null: plaintext). */
    public SpillwayTarget(String name, String host, int dataPort, int controlPort, int connections,
                          TlsFiles tls) {
        this.name = name;
        this.host = host;
        this.dataPort = dataPort;
        this.controlPort = controlPort;
        this.connections = connections;
        this.tls = tls;
    }

    /** The namespace the bench writes in: a Llama-3-8B-like shape (2 MiB per 16-token block). */
    public static Namespace benchNamespace() {
        return Namespace.builder().tenant("bench").modelId("spillway-bench").dtype("bfloat16").blockSizeTokens(16)
            .layers(32).kvHeads(8).headDim(128).build();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void open(int workers) throws Exception {
        ClientContext.Builder context = ClientContext.builder().server(host, dataPort).controlPort(controlPort)
            .connections(connections);
        if (tls != null) {
            context.tls(tls);
        }
        client = KvClient.connect(context.build());
        namespace = client.registerNamespace(benchNamespace()).get();
        keysPerWorker = new BlockKey[workers][];
    }

    @Override
    public int put(int worker, Batch batch) throws Exception {
        PutResult r = join(client.put(namespace, keys(worker, batch), batch.sources));
        return r.count(ErrorCode.OK);
    }

    @Override
    public int get(int worker, Batch batch) throws Exception {
        GetResult r = join(client.get(namespace, keys(worker, batch), batch.results));
        for (int i = 0; i < batch.size(); i++) {
            if (!r.hit(i)) {
                batch.results[i] = null;
            }
        }
        return r.hits();
    }

    private BlockKey[] keys(int worker, Batch batch) {
        BlockKey[] keys = keysPerWorker[worker];
        if (keys == null || keys.length != batch.size()) {
            keys = new BlockKey[batch.size()];
            keysPerWorker[worker] = keys;
        }
        for (int i = 0; i < batch.size(); i++) {
            keys[i] = new BlockKey(KEY_HI, batch.ids[i]);
        }
        return keys;
    }

    private static <T> T join(CompletableFuture<T> f) throws Exception {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof Exception ex ? ex : e;
        }
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }
}
