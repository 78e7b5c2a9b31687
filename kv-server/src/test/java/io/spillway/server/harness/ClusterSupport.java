package io.spillway.server.harness;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.spillway.client.ClientContext;
import io.spillway.client.KvClient;
import io.spillway.cluster.PartitionMap;
import io.spillway.cluster.PartitionMaps;
import io.spillway.control.v1.ControlGrpc;
import io.spillway.control.v1.PartitionMapRequest;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** What the cluster ITs share: the namespace, per-key bytes, a cluster client, and the map as a node sees it. */
final class ClusterSupport {
    static final Namespace NAMESPACE = Namespace.builder().modelId("it/cluster").layers(2).kvHeads(2).headDim(64)
        .build();
    static final BlockKey NS = NAMESPACE.id();
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** Small tiers, one I/O thread, quick failure detection: three JVMs share two cores. */
    static List<String> args(int replication) {
        return List.of("--cpu-capacity", "64m", "--nvme-capacity", "256m",
            "--set", "spillway.server.ioThreads=1", "--set", "spillway.server.tierThreads=2",
            "--set", "spillway.server.drainTimeoutMs=5000", "--set", "spillway.server.maxBlockBytes=1m",
            "--set", "spillway.cluster.replication=" + replication,
            "--set", "spillway.cluster.failureDetectionTimeoutMs=3000");
    }

    private ClusterSupport() {
    }

    static KvClient connect(NodeCluster cluster) {
        return KvClient.connectCluster(ClientContext.builder().seeds(cluster.controlAddresses())
            .requestTimeout(Duration.ofSeconds(5)).build());
    }

    /** The key of block {@code i} of a run: distinct per run and index. */
    static BlockKey key(long run, int i) {
        SplittableRandom r = new SplittableRandom(run * 1_000_003L + i);
        return new BlockKey(r.nextLong(), r.nextLong());
    }

    /** The bytes every copy of {@code key} must have: derived from the key alone. */
    static ByteBuffer bytes(BlockKey key, int length) {
        byte[] b = new byte[length];
        new SplittableRandom(key.hi() ^ Long.rotateLeft(key.lo(), 17)).nextBytes(b);
        return ByteBuffer.wrap(b);
    }

    /** The partition map as {@code node} serves it over gRPC. */
    static PartitionMap map(NodeProcess node) {
        ManagedChannel ch = ManagedChannelBuilder.forAddress("127.0.0.1", node.controlPort()).usePlaintext().build();
        try {
            return PartitionMaps.fromProto(ControlGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
                .partitionMap(PartitionMapRequest.getDefaultInstance()));
        } finally {
            ch.shutdownNow();
        }
    }

    /** Polls {@code node}'s map until {@code done} holds; fails after the timeout. */
    static PartitionMap awaitMap(NodeProcess node, Predicate<PartitionMap> done, String what)
        throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        PartitionMap last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = map(node);
                if (done.test(last)) {
                    return last;
                }
            } catch (RuntimeException e) {
                // the node may be busy joining; try again
            }
            Thread.sleep(100);
        }
        throw new AssertionError(node.name() + " never reached: " + what + "; last map " + last + "\n"
            + node.log());
    }
}
