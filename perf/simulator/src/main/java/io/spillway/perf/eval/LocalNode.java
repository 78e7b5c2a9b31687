package io.spillway.perf.eval;

import io.spillway.client.ClientContext;
import io.spillway.client.KvClient;
import io.spillway.key.Namespace;
import io.spillway.perf.RunDir;
import io.spillway.server.ServerContext;
import io.spillway.server.SpillwayServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Spillway node in the JVM for live runs, in a scratch directory, with its tiers sized in blocks of a scaled-down
 * size, and the namespace registered: what simulated pods reach the cluster through (each pod its own client, as
 * each vLLM pod has its own connector), and the feed a router's index follows. Closing stops the clients and the
 * node and deletes the directory.
 */
final class LocalNode implements AutoCloseable {
    /** Bytes of a block in the live cluster by default: 2 MiB scaled down 256 times. */
    static final int BLOCK_BYTES = 8 << 10;

    private final RunDir dir;
    private final SpillwayServer node;
    private final Namespace namespace;
    private final int blockBytes;
    private final List<KvClient> clients = new ArrayList<>();

    LocalNode(String nodeId, int cpuBlocks, int nvmeBlocks, Namespace namespace) throws Exception {
        this(nodeId, cpuBlocks, nvmeBlocks, BLOCK_BYTES, namespace);
    }

    LocalNode(String nodeId, int cpuBlocks, int nvmeBlocks, int blockBytes, Namespace namespace) throws Exception {
        this.namespace = namespace;
        this.blockBytes = blockBytes;
        dir = RunDir.create("spillway-" + nodeId + "-");
        try {
            node = SpillwayServer.start(ServerContext.builder().plaintext().bind("127.0.0.1").dataPort(0).controlPort(0)
                .httpPort(0).events("port", "0").dataDir(dir.path().resolve("node")).nodeId(nodeId)
                .maxBlockBytes(Math.max(64 << 10, blockBytes)).cpuCapacityBytes((long) cpuBlocks * blockBytes)
                .nvmeCapacityBytes((long) nvmeBlocks * blockBytes).build());
        } catch (Exception e) {
            dir.close();
            throw e;
        }
    }

    /** A new client for one pod's connector, the namespace registered; closed with the node. */
    synchronized EngineServer.ClusterAccess access() throws Exception {
        KvClient client = KvClient.connect(ClientContext.builder().server("127.0.0.1", node.dataPort())
            .controlPort(node.controlPort()).connections(2).build());
        clients.add(client);
        return new EngineServer.ClusterAccess(client, client.registerNamespace(namespace).get(10, TimeUnit.SECONDS),
            blockBytes);
    }

    /** The node's block-location feed, for a subscriber's {@code node(...)}. */
    String feedAddress() {
        return node.feed().localAddresses().get(0);
    }

    /** A scratch path under the node's directory (a subscriber's Aeron media, say). */
    Path scratch(String name) {
        return dir.path().resolve(name);
    }

    @Override
    public synchronized void close() {
        clients.forEach(KvClient::close);
        node.close();
        dir.close();
    }
}
