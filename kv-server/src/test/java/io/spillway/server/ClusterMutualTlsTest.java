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
import io.spillway.server.cluster.ClusterStatusCommand;
import io.spillway.server.cluster.IgniteMembership;
import io.spillway.server.harness.NodeCluster;
import io.spillway.server.security.SecurityMode;
import java.nio.ByteBuffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Two clustered nodes with {@code spillway.security.mode=mtls} talk to each other with their own certificates (role
 * {@code node}): a joining member receives the blocks it now owns by hand-off over the data plane's TLS, in a tenant
 * that is not the node's, and {@code ClusterStatus} reaches the peer's control plane over TLS. Ignite's discovery and
 * communication use the same files: a process with a certificate of the same authority but not the {@code node}
 * role, and the right join secret, cannot join, and the refusal is counted.
 */
class ClusterMutualTlsTest {
    private static final Namespace NS = Namespace.builder().tenant("acme").modelId("m").layers(2).kvHeads(2)
        .headDim(64).build();

    @TempDir
    Path dir;

    private SpillwayServer node(TestCertificates ca, String name, int[] discovery, int[] communication, int i) {
        return SpillwayServer.start(context(ca.identity(name, null, Role.NODE), ca, name, discovery, communication, i)
            .build());
    }

    private ServerContext.Builder context(TestCertificates.Issued cert, TestCertificates ca, String name,
                                          int[] discovery, int[] communication, int i) {
        Path secret = dir.resolve("join-secret");
        try {
            Files.writeString(secret, "a join secret of the test's own\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String seeds = "127.0.0.1:" + discovery[0] + ",127.0.0.1:" + discovery[1];
        return TestNode.context(dir.resolve(name)).nvmeEnabled(false).cpuCapacityBytes(32 << 20)
            .security("mode", "mtls").security("certFile", cert.cert().toString())
            .security("keyFile", cert.key().toString()).security("trustFile", ca.ca().toString())
            .cluster("enabled", "true").cluster("nodeName", name).cluster("partitions", "64")
            .cluster("seeds", seeds).cluster("discoveryPort", String.valueOf(discovery[i]))
            .cluster("discoveryPortRange", "0").cluster("communicationPort", String.valueOf(communication[i]))
            .cluster("communicationPortRange", "0").cluster("failureDetectionTimeoutMs", "2000")
            .cluster("joinSecretFile", secret.toString());
    }

    private record CliRun(int code, String out, String err) {
    }

    private static CliRun cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new CommandLine(new ClusterStatusCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8))).execute(args);
        return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aCertificateOfTheSameAuthorityWithoutTheNodeRoleCannotJoinTheCluster() throws Exception {
        TestCertificates ca = new TestCertificates(dir.resolve("pki"), "spillway");
        Set<Integer> taken = new HashSet<>();
        int[] discovery = {NodeCluster.freePort(taken), NodeCluster.freePort(taken)};
        int[] communication = {NodeCluster.freePort(taken), NodeCluster.freePort(taken)};
        ExecutorService starter = Executors.newSingleThreadExecutor();
        try (SpillwayServer a = node(ca, "node-a", discovery, communication, 0)) {
            assertEquals(SecurityMode.MTLS, a.context().security().mode());
            // a tenant's client certificate: signed by the cluster's authority, joined with the right secret
            ServerContext intruder = context(ca.identity("intruder", "acme", Role.CLIENT), ca, "intruder", discovery,
                communication, 1).build();
            Future<SpillwayServer> f = starter.submit(() -> SpillwayServer.start(intruder));
            int seen;
            try {
                SpillwayServer s = f.get(60, TimeUnit.SECONDS);
                seen = s.cluster().currentMap().nodes().size();
                s.close();
            } catch (TimeoutException stillTrying) {
                f.cancel(true);
                seen = -1;
            } catch (ExecutionException refused) {
                seen = -1;
            }
            assertTrue(seen == -1 || seen == 1, "the intruder is alone or not started, saw " + seen);
            assertEquals(1, a.cluster().currentMap().nodes().size(), "the intruder never entered node-a's map");
            long refused = ((IgniteMembership) a.cluster()).refusedTlsPeers();
            assertTrue(refused > 0, "node-a refused the intruder's TLS handshake and counted it: " + refused);
            assertTrue(a.metrics().scrape().contains("spillway_cluster_tls_refused_total"), "on /metrics");
        } finally {
            starter.shutdownNow();
        }
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

                // the operator's CLI: with the admin's files it reads the status; with a tenant's certificate it is
                // refused the admin call; without TLS it cannot talk to an mtls node at all
                String seed = "127.0.0.1:" + a.controlPort();
                CliRun asAdmin = cli("--seed", seed, "--cert", admin.cert().toString(), "--key",
                    admin.key().toString(), "--trust", ca.ca().toString());
                assertEquals(0, asAdmin.code, asAdmin.err);
                assertTrue(asAdmin.out.contains("node-a") && asAdmin.out.contains("node-b"), asAdmin.out);
                TestCertificates.Issued tenant = ca.identity("tenant-cli", "acme", Role.CLIENT);
                CliRun asTenant = cli("--seed", seed, "--cert", tenant.cert().toString(), "--key",
                    tenant.key().toString(), "--trust", ca.ca().toString());
                assertEquals(1, asTenant.code, asTenant.out);
                assertTrue(asTenant.err.contains("PERMISSION_DENIED"), asTenant.err);
                CliRun plain = cli("--seed", seed, "--timeout-ms", "3000");
                assertEquals(1, plain.code, plain.out);
                CliRun half = cli("--seed", seed, "--cert", admin.cert().toString(), "--key", admin.key().toString());
                assertEquals(2, half.code, half.out);
                assertTrue(half.err.contains("need --trust"), half.err);
            }
        }
    }
}
