package io.spillway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.spillway.client.ClientContext;
import io.spillway.client.KvClient;
import io.spillway.control.v1.ClusterStatusReply;
import io.spillway.control.v1.ClusterStatusRequest;
import io.spillway.control.v1.ControlGrpc;
import io.spillway.control.v1.NodeStatus;
import io.spillway.identity.Role;
import io.spillway.identity.TestCertificates;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.server.harness.NodeCluster;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two clustered nodes with {@code spillway.security.mode=mtls} talk to each other with their own certificates (role
 * {@code node}): a joining member receives the blocks it now owns by hand-off over the data plane's TLS, in a tenant
 * that is not the node's, and {@code ClusterStatus} reaches the peer's control plane over TLS.
 */
class ClusterMutualTlsTest {
    private static final Namespace NS = Namespace.builder().tenant("acme").modelId("m").layers(2).kvHeads(2)
        .headDim(64).build();

    @TempDir
    Path dir;

    private SpillwayServer node(TestCertificates ca, String name, int[] discovery, int[] communication, int i) {
        TestCertificates.Issued cert = ca.identity(name, null, Role.NODE);
        String seeds = "127.0.0.1:" + discovery[0] + ",127.0.0.1:" + discovery[1];
        return SpillwayServer.start(TestNode.context(dir.resolve(name)).nvmeEnabled(false).cpuCapacityBytes(32 << 20)
            .security("mode", "mtls").security("certFile", cert.cert().toString())
            .security("keyFile", cert.key().toString()).security("trustFile", ca.ca().toString())
            .cluster("enabled", "true").cluster("nodeName", name).cluster("partitions", "64")
            .cluster("seeds", seeds).cluster("discoveryPort", String.valueOf(discovery[i]))
            .cluster("discoveryPortRange", "0").cluster("communicationPort", String.valueOf(communication[i]))
            .cluster("communicationPortRange", "0").cluster("failureDetectionTimeoutMs", "2000").build());
    }

    @Test
    void peersHandOffBlocksAndAnswerStatusOverMutualTls() throws Exception {
        TestCertificates ca = new TestCertificates(dir.resolve("pki"), "spillway");
        Set<Integer> taken = new HashSet<>();
        int[] discovery = {NodeCluster.freePort(taken), NodeCluster.freePort(taken)};
        int[] communication = {NodeCluster.freePort(taken), NodeCluster.freePort(taken)};
        try (SpillwayServer a = node(ca, "node-a", discovery, communication, 0)) {
            TestCertificates.Issued client = ca.identity("client", "acme", Role.CLIENT);
            int blocks = 64;
            try (KvClient c = KvClient.connect(ClientContext.builder().server("127.0.0.1", a.dataPort())
                .controlPort(a.controlPort()).connections(1)
                .tls(TestCertificates.tls(client, ca.ca(), Duration.ofSeconds(1))).build())) {
                BlockKey ns = c.registerNamespace(NS).get(10, TimeUnit.SECONDS);
                for (int i = 0; i < blocks; i++) {
                    assertTrue(c.put(ns, new BlockKey[] {new BlockKey(i, i)},
                        new ByteBuffer[] {ByteBuffer.wrap(new byte[1024])}).get(10, TimeUnit.SECONDS).allOk());
                }
            }
            try (SpillwayServer b = node(ca, "node-b", discovery, communication, 1)) {
                ClusterNodesTest.await(() -> a.cluster().currentMap().nodes().size() == 2
                    && b.cluster().currentMap().nodes().size() == 2, "both nodes see two members");
                ClusterNodesTest.await(() -> b.tiers().stages().get(0).tier().counters().blocks.get() > 0,
                    "node-b receives the blocks it now owns from node-a, over mutual TLS");
                assertEquals(0.0, b.metrics().access().refusedCount("handshake"), "no peer failed the handshake");

                TestCertificates.Issued admin = ca.identity("admin", null, Role.ADMIN);
                ManagedChannel ch = Grpc.newChannelBuilderForAddress("127.0.0.1", a.controlPort(),
                    TlsChannelCredentials.newBuilder().keyManager(admin.cert().toFile(), admin.key().toFile())
                        .trustManager(ca.ca().toFile()).build()).build();
                try {
                    ClusterStatusReply status = ControlGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .clusterStatus(ClusterStatusRequest.getDefaultInstance());
                    assertEquals(2, status.getNodesCount());
                    for (NodeStatus n : status.getNodesList()) {
                        assertTrue(n.getReachable(), n.getNode().getId() + ": " + n.getError());
                    }
                } finally {
                    ch.shutdownNow();
                }
            }
        }
    }
}
