package io.spillway.perf.eval;

import io.spillway.client.ClientContext;
import io.spillway.client.KvClient;
import io.spillway.key.Namespace;
import io.spillway.perf.RunDir;
import io.spillway.server.ServerContext;
import io.spillway.server.SpillwayServer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A Spillway node in the JVM for live runs, in a scratch directory, with its tiers sized in blocks of {@link
 * #BLOCK_BYTES}, a client, and the namespace registered: what simulated pods reach the cluster through, and the
 * feed a router's index follows. Closing stops the client and the node and deletes the directory.
 */
final class LocalNode implements AutoCloseable {
    /** Bytes of a block in the live cluster: 2 MiB scaled down 256 times. */
    static final int BLOCK_BYTES = 8 << 10;

    private final RunDir dir;
    private final SpillwayServer node;
    private final KvClient client;
    private final EngineServer.ClusterAccess access;

    LocalNode(String nodeId, int cpuBlocks, int nvmeBlocks, Namespace namespace) throws Exception {
        dir = RunDir.create("spillway-" + nodeId + "-");
        SpillwayServer started = null;
        KvClient connected = null;
        try {
            started = SpillwayServer.start(ServerContext.builder().bind("127.0.0.1").dataPort(0).controlPort(0)
                .httpPort(0).events("port", "0").dataDir(dir.path().resolve("node")).nodeId(nodeId)
                .maxBlockBytes(64 << 10).cpuCapacityBytes((long) cpuBlocks * BLOCK_BYTES)
                .nvmeCapacityBytes((long) nvmeBlocks * BLOCK_BYTES).build());
            connected = KvClient.connect(ClientContext.builder().server("127.0.0.1", started.dataPort())
                .controlPort(started.controlPort()).connections(2).build());
            access = new EngineServer.ClusterAccess(connected, connected.registerNamespace(namespace)
                .get(10, TimeUnit.SECONDS), BLOCK_BYTES);
        } catch (Exception e) {
            if (connected != null) {
                connected.close();
            }
            if (started != null) {
                started.close();
            }
            dir.close();
            throw e;
        }
        node = started;
        client = connected;
    }

    /** What a pod's connector uses to reach the node. */
    EngineServer.ClusterAccess access() {
        return access;
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
    public void close() {
        client.close();
        node.close();
        dir.close();
    }
}
