package io.spillway.router.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.spillway.cluster.NodeInfo;
import io.spillway.cluster.PartitionMap;
import io.spillway.cluster.PartitionMaps;
import io.spillway.control.v1.ControlGrpc;
import io.spillway.control.v1.PartitionMapReply;
import io.spillway.control.v1.PartitionMapRequest;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The feed's membership follows the partition map a node's control plane serves: a listed node is a member at the
 * map's control address, an unlisted one is not and makes the membership fetch again (at most once a second), a
 * seed that does not answer is passed over for the next.
 */
class MapMembershipTest {
    private static final NodeInfo A = new NodeInfo("node-a", "z1", "10.0.0.5", 7600, 7601, 7602);
    private static final NodeInfo B = new NodeInfo("node-b", "z2", "10.0.0.6", 7600, 7611, 7602);

    private final AtomicReference<PartitionMap> served = new AtomicReference<>(PartitionMap.single(A, 16));
    private final AtomicInteger calls = new AtomicInteger();
    private Server control;

    @BeforeEach
    void start() throws Exception {
        control = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new ControlGrpc.ControlImplBase() {
                @Override
                public void partitionMap(PartitionMapRequest r, StreamObserver<PartitionMapReply> out) {
                    calls.incrementAndGet();
                    out.onNext(PartitionMaps.toProto(served.get()));
                    out.onCompleted();
                }
            }).build().start();
    }

    @AfterEach
    void stop() {
        control.shutdownNow();
    }

    @Test
    void aListedNodeIsAMemberAtTheMapsAddressAndANewOneIsFetchedOnItsFirstMiss() throws Exception {
        try (MapMembership m = new MapMembership(List.of("127.0.0.1:" + control.getPort()), Duration.ofHours(1))) {
            await(() -> m.map() != null, "the first map");
            InetSocketAddress a = m.controlAddress("node-a");
            assertEquals("10.0.0.5", a.getHostString());
            assertEquals(7601, a.getPort());
            assertNull(m.controlAddress("node-b"), "not in the map");

            served.set(new PartitionMap(2, List.of(A, B), new int[][] {{0}, {1}}, Map.of(), 1));
            await(() -> m.controlAddress("node-b") != null, "node-b, once the map lists it (fetched on a miss)");
            assertEquals(7611, m.controlAddress("node-b").getPort());
            int after = calls.get();
            for (int i = 0; i < 100; i++) {
                m.controlAddress("forged-" + i);
            }
            assertTrue(calls.get() - after <= 2, "misses fetch at most once a second: " + (calls.get() - after));
        }
    }

    @Test
    void aSeedThatDoesNotAnswerIsPassedOver() throws Exception {
        Server down = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new ControlGrpc.ControlImplBase() {
                @Override
                public void partitionMap(PartitionMapRequest r, StreamObserver<PartitionMapReply> out) {
                    out.onError(Status.UNAVAILABLE.withDescription("leaving").asRuntimeException());
                }
            }).build().start();
        try (MapMembership m = new MapMembership(List.of("127.0.0.1:" + down.getPort(),
            "127.0.0.1:" + control.getPort()), Duration.ofHours(1))) {
            await(() -> m.map() != null, "the map from the second seed");
            assertEquals(1, m.map().nodes().size());
        } finally {
            down.shutdownNow();
        }
    }

    private static void await(BooleanSupplier done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }
}
