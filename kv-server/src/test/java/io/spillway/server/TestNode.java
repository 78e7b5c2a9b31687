package io.spillway.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.tier.TierKind;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/** Starts nodes on ephemeral ports with in-memory tiers, and checks that a node still serves a fresh client. */
final class TestNode {
    static final Namespace NAMESPACE = Namespace.builder().modelId("test/llama-tiny").layers(2).kvHeads(2)
        .headDim(64).build();
    static final BlockKey NS = NAMESPACE.id();

    private TestNode() {
    }

    static ServerContext.Builder context(Path dir) {
        return ServerContext.builder().plaintext().dataPort(0).controlPort(0).httpPort(0).dataDir(dir).ioThreads(2)
            .tierThreads(2).maxBlockBytes(1 << 20).drainTimeoutMs(5_000).events("port", "0");
    }

    /**
     * A small cluster member named {@code name} on loopback: discovery from {@code discoveryPort} and communication
     * from {@code communicationPort}, {@code range} ports each (below the ephemeral range), seeds the discovery range,
     * 32 partitions, 2 s failure detection.
     */
    static ServerContext.Builder member(Path dir, String name, int discoveryPort, int communicationPort, int range) {
        return context(dir.resolve(name)).tierFactory(HeapTier.factory(4 << 20, new HeapTier(TierKind.NVME, 4 << 20)))
            .cluster("enabled", "true").cluster("nodeName", name).cluster("zone", "z-" + name)
            .cluster("partitions", "32").cluster("seeds", "127.0.0.1:" + discoveryPort + ".." + (discoveryPort + range))
            .cluster("discoveryPort", String.valueOf(discoveryPort)).cluster("discoveryPortRange", String.valueOf(range))
            .cluster("communicationPort", String.valueOf(communicationPort))
            .cluster("communicationPortRange", String.valueOf(range)).cluster("failureDetectionTimeoutMs", "2000");
    }

    static SpillwayServer start(Path dir, long cpuCapacity, HeapTier nvme) {
        return start(dir, cpuCapacity, nvme, b -> { });
    }

    static SpillwayServer start(Path dir, long cpuCapacity, HeapTier nvme, Consumer<ServerContext.Builder> tweak) {
        ServerContext.Builder b = context(dir).tierFactory(HeapTier.factory(cpuCapacity, nvme));
        tweak.accept(b);
        SpillwayServer server = SpillwayServer.start(b.build());
        server.namespaces().register(NAMESPACE);
        return server;
    }

    static BlockKey key(Random random) {
        return new BlockKey(random.nextLong(), random.nextLong());
    }

    static byte[] bytes(Random random, int length) {
        byte[] b = new byte[length];
        random.nextBytes(b);
        return b;
    }

    /** A new connection puts a block and reads it back byte-identical: the node still serves others. */
    static void assertServesAnotherClient(SpillwayServer server) throws IOException {
        Random random = new Random(System.nanoTime());
        BlockKey key = key(random);
        byte[] block = bytes(random, 4096);
        try (RawClient c = new RawClient(server.dataPort())) {
            c.write(RawClient.putFrame(901, NS, new BlockKey[] {key}, new byte[][] {block}));
            RawClient.Frame put = c.read();
            assertEquals(0, put.status(), "put status");
            assertArrayEquals(new int[] {0}, put.putStatuses());
            c.write(RawClient.keysFrame(RawClient.GET, 902, NS, key));
            List<RawClient.Entry> got = c.read().entries();
            assertEquals(0, got.get(0).status());
            assertArrayEquals(block, got.get(0).bytes());
        }
    }
}
