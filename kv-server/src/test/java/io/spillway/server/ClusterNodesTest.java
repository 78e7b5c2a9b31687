package io.spillway.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.spillway.cluster.PartitionMap;
import io.spillway.cluster.PartitionMaps;
import io.spillway.control.v1.ClusterStatusReply;
import io.spillway.control.v1.ClusterStatusRequest;
import io.spillway.control.v1.ControlGrpc;
import io.spillway.control.v1.NodeStatus;
import io.spillway.control.v1.PartitionMapRequest;
import io.spillway.control.v1.RegisterNamespaceRequest;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.protocol.ErrorCode;
import io.spillway.protocol.FrameHeader;
import io.spillway.tier.TierKind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real in-JVM clusters of embedded Ignite nodes on loopback (discovery 28500+, communication 28600+): members
 * agree on one map, namespaces registered on one node are admitted by the others, keys the node does not own are
 * answered NOT_OWNER with the topology trailer, the control plane serves the map and the cluster's status, and a
 * leaving node shows up in everyone's next map.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusterNodesTest {
    /** Below Linux's ephemeral range (32768..60999): no outgoing connection can hold one of these ports. */
    private static final String SEEDS = "127.0.0.1:28500..28504";

    @TempDir
    static Path dir;

    private SpillwayServer a;
    private SpillwayServer b;

    static SpillwayServer node(Path dir, String name, String zone) {
        return SpillwayServer.start(TestNode.context(dir.resolve(name))
            .tierFactory(HeapTier.factory(8 << 20, new HeapTier(TierKind.NVME, 8 << 20)))
            .cluster("enabled", "true").cluster("nodeName", name).cluster("zone", zone)
            .cluster("partitions", "64").cluster("maxReplication", "2").cluster("seeds", SEEDS)
            .cluster("discoveryPort", "28500").cluster("discoveryPortRange", "4")
            .cluster("communicationPort", "28600").cluster("communicationPortRange", "4")
            .cluster("failureDetectionTimeoutMs", "2000").build());
    }

    @BeforeAll
    void startTwo() {
        a = node(dir, "node-a", "z1");
        b = node(dir, "node-b", "z2");
        await(() -> a.cluster().currentMap().nodes().size() == 2 && b.cluster().currentMap().nodes().size() == 2,
            "both nodes see two members");
    }

    @AfterAll
    void stop() {
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
    }

    static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private static ManagedChannel channel(SpillwayServer s) {
        return NettyChannelBuilder.forAddress("127.0.0.1", s.controlPort()).usePlaintext().build();
    }

    /** A key whose partition {@code owner} owns (as primary or backup) and {@code other} does not. */
    private static BlockKey keyOwnedBy(PartitionMap map, BlockKey ns, String owner, String other, Random random) {
        for (int i = 0; i < 100_000; i++) {
            BlockKey k = TestNode.key(random);
            if (map.owns(owner, ns, k) && !map.owns(other, ns, k)) {
                return k;
            }
        }
        throw new AssertionError("no key owned by " + owner + " alone");
    }

    private static long trailer(RawClient.Frame f) {
        assertEquals(FrameHeader.FLAG_RESPONSE | FrameHeader.FLAG_TOPOLOGY, f.flags(), "response flags");
        return ByteBuffer.wrap(f.body(), f.body().length - 8, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /**
     * Ignite opens two listeners of its own by default beside discovery and communication: the thin-client/JDBC/ODBC
     * connector (10800+) and the TCP REST binary protocol (11211+). Either would let anything that reaches a member
     * read and rewrite the replicated namespace and tenant metadata, with no Spillway check in the way.
     */
    @Test
    void membersOpenNoIgniteClientOrRestPort() throws Exception {
        Set<Integer> ports = ListeningPorts.ofThisProcess();
        assertFalse(ports.isEmpty(), "the listeners of this JVM are visible in /proc");
        assertTrue(ports.contains(a.cluster().self().dataPort()), "the data port is seen: " + ports);
        List<Integer> ignites = ports.stream().filter(p -> p >= 10800 && p < 10900 || p >= 11211 && p < 11311)
            .toList();
        assertTrue(ignites.isEmpty(), "Ignite client connector or REST ports open: " + ignites + " of " + ports);
    }

    @Test
    void membersComputeTheSameMap() {
        PartitionMap ma = a.cluster().currentMap();
        await(() -> b.cluster().currentMap().topologyVersion() == a.cluster().currentMap().topologyVersion(),
            "same version");
        assertEquals(a.cluster().currentMap(), b.cluster().currentMap());
        assertEquals(List.of("node-a", "node-b"), ma.nodes().stream().map(n -> n.id()).toList());
        assertEquals("z1", ma.node("node-a").zone());
        assertEquals(a.dataPort(), ma.node("node-a").dataPort());
        assertEquals(b.controlPort(), ma.node("node-b").controlPort());
        for (int p = 0; p < ma.partitions(); p++) {
            assertEquals(2, ma.owners(p).size(), "two owners in two zones, partition " + p);
        }
        assertTrue(a.cluster().clustered());
        assertEquals("node-a", a.cluster().self().id());
        PartitionMap without = a.cluster().mapWithout("node-b");
        assertEquals(ma.topologyVersion() + 1, without.topologyVersion());
        assertEquals(List.of("node-a"), without.nodes().stream().map(n -> n.id()).toList());
    }

    @Test
    void namespaceRegisteredOnOneNodeIsAdmittedByAnother() throws Exception {
        Namespace ns = Namespace.builder().modelId("test/cluster-" + System.nanoTime()).layers(2).kvHeads(2)
            .headDim(64).build();
        ManagedChannel ch = channel(a);
        try {
            ControlGrpc.newBlockingStub(ch).registerNamespace(RegisterNamespaceRequest.newBuilder()
                .setNamespace(NamespaceCodec.toSpec(ns)).build());
        } finally {
            ch.shutdownNow();
        }
        PartitionMap map = b.cluster().currentMap();
        BlockKey key = keyOwnedBy(map, ns.id(), "node-b", "node-a", new Random(7));
        byte[] block = TestNode.bytes(new Random(8), 2048);
        try (RawClient c = new RawClient(b.dataPort())) {
            c.write(RawClient.putFrame(1, ns.id(), new BlockKey[] {key}, new byte[][] {block}));
            RawClient.Frame put = c.read();
            assertEquals(0, put.status(), "admitted by node-b, registered on node-a");
            assertArrayEquals(new int[] {ErrorCode.OK.code()}, put.putStatuses());
            c.write(RawClient.keysFrame(RawClient.GET, 2, ns.id(), key));
            RawClient.Frame got = c.read();
            assertArrayEquals(block, got.entries().get(0).bytes());
        }
        assertTrue(b.namespaces().all().containsKey(ns.id()), "listed on node-b");
    }

    @Test
    void keysANodeDoesNotOwnAreAnsweredNotOwnerWithTheMapVersion() throws Exception {
        a.namespaces().register(TestNode.NAMESPACE);
        PartitionMap map = a.cluster().currentMap();
        Random random = new Random(11);
        BlockKey foreign = keyOwnedBy(map, TestNode.NS, "node-b", "node-a", random);
        BlockKey own = keyOwnedBy(map, TestNode.NS, "node-a", "node-b", random);
        byte[] x = TestNode.bytes(random, 1000);
        byte[] y = TestNode.bytes(random, 1000);
        try (RawClient c = new RawClient(a.dataPort())) {
            c.write(RawClient.putFrame(5, TestNode.NS, new BlockKey[] {foreign, own}, new byte[][] {x, y}));
            RawClient.Frame put = c.read();
            assertArrayEquals(new int[] {ErrorCode.NOT_OWNER.code(), ErrorCode.OK.code()}, put.putStatuses());
            assertEquals(map.topologyVersion(), trailer(put));
            assertEquals(4 + 2 * 2 + 8, put.body().length, "count, two statuses, trailer");

            c.write(RawClient.keysFrame(RawClient.GET, 6, TestNode.NS, foreign, own));
            RawClient.Frame got = c.read();
            List<RawClient.Entry> entries = got.entries();
            assertEquals(ErrorCode.NOT_OWNER.code(), entries.get(0).status());
            assertEquals(ErrorCode.OK.code(), entries.get(1).status());
            assertArrayEquals(y, entries.get(1).bytes());
            assertEquals(map.topologyVersion(), trailer(got));
        }
        assertFalse(a.tiers().lookupPrefix(new BlockKey[] {foreign}).prefixLength() > 0,
            "the refused block's bytes were dropped");
    }

    /** Sets a request frame's header flags to the stand-in flag. */
    private static byte[] asStandIn(byte[] frame) {
        frame[FrameHeader.FLAGS_OFFSET] = (byte) FrameHeader.FLAG_STAND_IN;
        frame[FrameHeader.FLAGS_OFFSET + 1] = 0;
        return frame;
    }

    @Test
    void aStandInRequestStoresAndServesAKeyTheNodeStandsInForAndOnlyThat() throws Exception {
        a.namespaces().register(TestNode.NAMESPACE);
        PartitionMap map = a.cluster().currentMap();
        Random random = new Random(12);
        BlockKey foreign = keyOwnedBy(map, TestNode.NS, "node-b", "node-a", random);
        assertTrue(map.standsIn("node-a", TestNode.NS, foreign), "with 2 members, node-a stands in for node-b");
        byte[] x = TestNode.bytes(random, 1000);
        try (RawClient c = new RawClient(a.dataPort())) {
            c.write(asStandIn(RawClient.putFrame(7, TestNode.NS, new BlockKey[] {foreign}, new byte[][] {x})));
            assertArrayEquals(new int[] {ErrorCode.OK.code()}, c.read().putStatuses());

            c.write(RawClient.keysFrame(RawClient.GET, 8, TestNode.NS, foreign));
            assertEquals(ErrorCode.NOT_OWNER.code(), c.read().entries().get(0).status(),
                "a plain get still refuses a key the node does not own");

            c.write(asStandIn(RawClient.keysFrame(RawClient.GET, 9, TestNode.NS, foreign)));
            RawClient.Entry got = c.read().entries().get(0);
            assertEquals(ErrorCode.OK.code(), got.status());
            assertArrayEquals(x, got.bytes());

            c.write(asStandIn(RawClient.keysFrame(RawClient.LOOKUP, 10, TestNode.NS, foreign)));
            assertEquals(ErrorCode.MALFORMED_FRAME.code(), c.read().status(), "the flag is only for puts and gets");
        }
    }

    @Test
    void controlPlaneServesTheMapAndTheClusterStatus() {
        ManagedChannel ch = channel(b);
        try {
            ControlGrpc.ControlBlockingStub control = ControlGrpc.newBlockingStub(ch);
            PartitionMap served = PartitionMaps.fromProto(control.partitionMap(PartitionMapRequest.getDefaultInstance()));
            assertEquals(b.cluster().currentMap(), served);

            ClusterStatusReply status = control.clusterStatus(ClusterStatusRequest.getDefaultInstance());
            assertEquals(served.topologyVersion(), status.getTopologyVersion());
            assertEquals(64, status.getPartitions());
            assertEquals(2, status.getNodesCount());
            int primaries = 0;
            for (NodeStatus n : status.getNodesList()) {
                assertTrue(n.getReachable(), n.getNode().getId() + ": " + n.getError());
                assertEquals(List.of("cpu", "nvme"), n.getTiersList().stream().map(t -> t.getTier()).toList());
                primaries += n.getPrimaryPartitions();
                assertEquals(64, n.getPrimaryPartitions() + n.getBackupPartitions(), "2 nodes, 2 owners each");
            }
            assertEquals(64, primaries);

            StatusRuntimeException tooMany = assertThrows(StatusRuntimeException.class, () -> control.registerNamespace(
                RegisterNamespaceRequest.newBuilder().setNamespace(NamespaceCodec.toSpec(TestNode.NAMESPACE))
                    .setReplication(3).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, tooMany.getStatus().getCode());
            assertTrue(tooMany.getStatus().getDescription().contains("maxReplication=2"));
        } finally {
            ch.shutdownNow();
        }
    }

    @Test
    void replicationChangeReachesEveryMemberWithALargerVersion() {
        Namespace ns = Namespace.builder().modelId("test/replicated-" + System.nanoTime()).layers(2).kvHeads(2)
            .headDim(64).build();
        List<PartitionMap> seen = new CopyOnWriteArrayList<>();
        b.cluster().addListener(seen::add);
        long before = b.cluster().currentMap().topologyVersion();
        ManagedChannel ch = channel(a);
        try {
            ControlGrpc.newBlockingStub(ch).registerNamespace(RegisterNamespaceRequest.newBuilder()
                .setNamespace(NamespaceCodec.toSpec(ns)).setReplication(2).build());
        } finally {
            ch.shutdownNow();
        }
        await(() -> b.cluster().currentMap().replication(ns.id()) == 2, "node-b's map has replication 2");
        assertTrue(b.cluster().currentMap().topologyVersion() > before, "version moved");
        assertEquals(before >>> 32, b.cluster().currentMap().topologyVersion() >>> 32, "same topology");
        assertFalse(seen.isEmpty(), "listener told");
        assertEquals(2, seen.get(seen.size() - 1).replication(ns.id()));
        await(() -> a.cluster().currentMap().equals(b.cluster().currentMap()), "node-a agrees");
    }

    @Test
    void aLeavingNodeDisappearsFromEveryMap() {
        List<PartitionMap> seen = new CopyOnWriteArrayList<>();
        a.cluster().addListener(seen::add);
        List<String> order = new CopyOnWriteArrayList<>();
        a.namespaces().register(TestNode.NAMESPACE);
        try (SpillwayServer c = node(dir, "node-c", "z3")) {
            await(() -> a.cluster().currentMap().nodes().size() == 3, "node-a sees node-c join");
            await(() -> c.cluster().currentMap().equals(a.cluster().currentMap()), "node-c agrees with node-a");
            assertTrue(c.namespaces().isRegistered(TestNode.NS),
                "a late joiner admits namespaces registered before it joined");
            c.beforeLeave(() -> {
                order.add("beforeLeave:" + c.cluster().currentMap().nodes().size());
                assertNotNull(c.cluster().mapWithout("node-c"));
            });
        }
        assertEquals(List.of("beforeLeave:3"), order, "hook ran while still a member");
        await(() -> a.cluster().currentMap().nodes().size() == 2 && b.cluster().currentMap().nodes().size() == 2,
            "both survivors drop node-c");
        assertFalse(seen.isEmpty());
        assertEquals(a.cluster().currentMap(), b.cluster().currentMap());
    }
}
