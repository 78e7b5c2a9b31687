package io.spillway.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.util.CertificateUtils;
import io.spillway.client.ClientContext;
import io.spillway.client.ClusterKvClient;
import io.spillway.client.KvClient;
import io.spillway.client.KvClientException;
import io.spillway.control.v1.ControlGrpc;
import io.spillway.control.v1.HealthRequest;
import io.spillway.control.v1.ListNamespacesReply;
import io.spillway.control.v1.ListNamespacesRequest;
import io.spillway.control.v1.ListTenantsRequest;
import io.spillway.control.v1.LookupPrefixRequest;
import io.spillway.control.v1.RegisterNamespaceRequest;
import io.spillway.control.v1.SetTenantQuotaRequest;
import io.spillway.identity.Role;
import io.spillway.identity.TestCertificates;
import io.spillway.key.BlockKey;
import io.spillway.key.BlockKeys;
import io.spillway.key.Namespace;
import io.spillway.protocol.ErrorCode;
import io.spillway.tier.TierCounters;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20's acceptance on a node with {@code spillway.security.mode=mtls}: tenant A's certificate gets a clear
 * PERMISSION_DENIED for PUT, GET and LOOKUP in tenant B's namespace (data plane and control plane), B's blocks and
 * counters are untouched, ListNamespaces shows A only its own, admin calls need the admin role, a plaintext or
 * untrusted peer fails at the handshake, and a rotated node certificate is served to new connections without a
 * restart.
 */
class MutualTlsTenantTest {
    private static final Namespace NS_A = Namespace.builder().tenant("acme").modelId("m").layers(2).kvHeads(2)
        .headDim(64).build();
    private static final Namespace NS_B = Namespace.builder().tenant("globex").modelId("m").layers(2).kvHeads(2)
        .headDim(64).build();

    @TempDir
    Path dir;

    private TestCertificates ca;
    private TestCertificates.Issued node;

    @BeforeEach
    void certificates() {
        ca = new TestCertificates(dir.resolve("pki"), "spillway");
        node = ca.identity("node", null, Role.NODE);
    }

    private SpillwayServer start() {
        return SpillwayServer.start(TestNode.context(dir.resolve("node")).nvmeEnabled(false)
            .cpuCapacityBytes(32 << 20).security("mode", "mtls").security("certFile", node.cert().toString())
            .security("keyFile", node.key().toString()).security("trustFile", ca.ca().toString())
            .security("refreshMs", "50").build());
    }

    private KvClient client(SpillwayServer server, TestCertificates.Issued who) {
        return KvClient.connect(ClientContext.builder().server("127.0.0.1", server.dataPort())
            .controlPort(server.controlPort()).connections(1).requestTimeout(Duration.ofSeconds(10))
            .tls(TestCertificates.tls(who, ca.ca(), Duration.ofSeconds(1))).build());
    }

    private ManagedChannel control(SpillwayServer server, TestCertificates.Issued who) throws IOException {
        return Grpc.newChannelBuilderForAddress("127.0.0.1", server.controlPort(), TlsChannelCredentials.newBuilder()
            .keyManager(who.cert().toFile(), who.key().toFile()).trustManager(ca.ca().toFile()).build()).build();
    }

    private static ErrorCode code(Throwable t) {
        Throwable c = (t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null
            ? t.getCause() : t;
        return assertInstanceOf(KvClientException.class, c, () -> "expected a KvClientException, got " + c).code();
    }

    private static ByteBuffer block(int seed) {
        byte[] b = new byte[4096];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (seed * 31 + i);
        }
        return ByteBuffer.wrap(b);
    }

    private static long[] counters(SpillwayServer server, String tenant) {
        TierCounters c = server.tiers().stages().get(0).tier().counters();
        TenantQuotas.Tenant t = server.tenants().tenants().stream().filter(x -> x.name().equals(tenant)).findFirst()
            .orElseThrow();
        return new long[] {t.usage().bytes(), t.usage().blocks(), c.puts.sum(), c.hits.sum(), c.misses.sum(),
            c.blocks.get()};
    }

    @Test
    void anotherTenantsPutGetAndLookupAreDeniedAndLeaveItsBlocksAndCountersAlone() throws Exception {
        try (SpillwayServer server = start();
             KvClient a = client(server, ca.identity("a", "acme", Role.CLIENT));
             KvClient b = client(server, ca.identity("b", "globex", Role.CLIENT))) {
            BlockKey nsA = a.registerNamespace(NS_A).get(10, TimeUnit.SECONDS);
            BlockKey nsB = b.registerNamespace(NS_B).get(10, TimeUnit.SECONDS);
            BlockKey k = new BlockKey(7, 7);
            assertEquals(ErrorCode.OK, b.put(nsB, new BlockKey[] {k}, new ByteBuffer[] {block(1)})
                .get(10, TimeUnit.SECONDS).statuses()[0]);
            assertEquals(ErrorCode.OK, a.put(nsA, new BlockKey[] {k}, new ByteBuffer[] {block(2)})
                .get(10, TimeUnit.SECONDS).statuses()[0], "A works in its own namespace");
            long[] before = counters(server, "globex");

            Throwable put = assertThrows(Exception.class, () -> a.put(nsB, new BlockKey[] {k, new BlockKey(8, 8)},
                new ByteBuffer[] {block(3), block(4)}).get(10, TimeUnit.SECONDS));
            assertEquals(ErrorCode.PERMISSION_DENIED, code(put.getCause()));
            assertTrue(put.getCause().getMessage().contains("not a registered namespace of tenant acme")
                && !put.getCause().getMessage().contains("globex"), "names the caller's tenant, not the owner's: "
                + put.getCause().getMessage());
            Throwable get = assertThrows(Exception.class, () -> a.get(nsB, new BlockKey[] {k},
                new ByteBuffer[] {ByteBuffer.allocate(4096)}).get(10, TimeUnit.SECONDS));
            assertEquals(ErrorCode.PERMISSION_DENIED, code(get.getCause()));
            Throwable lookup = assertThrows(Exception.class, () -> a.lookupPrefix(nsB, new BlockKey[] {k})
                .get(10, TimeUnit.SECONDS));
            assertEquals(ErrorCode.PERMISSION_DENIED, code(lookup.getCause()));
            Throwable register = assertThrows(Exception.class, () -> a.registerNamespace(NS_B)
                .get(10, TimeUnit.SECONDS));
            assertEquals(ErrorCode.PERMISSION_DENIED, code(register.getCause()), "A cannot register B's namespace");

            assertArrayEquals(before, counters(server, "globex"), "B's usage and the tier's counters are unchanged");
            assertEquals(4.0, server.metrics().access().deniedCount("acme"), 0.0,
                "data plane: put, get, lookup; control plane: RegisterNamespace");
            ByteBuffer back = ByteBuffer.allocate(4096);
            assertEquals(ErrorCode.OK, b.get(nsB, new BlockKey[] {k}, new ByteBuffer[] {back})
                .get(10, TimeUnit.SECONDS).statuses()[0]);
            assertArrayEquals(block(1).array(), back.array(), "B still reads its own bytes, not A's");
            assertTrue(server.metrics().scrape().contains("spillway_permission_denied_total{op=\"put_batch\","
                + "plane=\"data\",tenant=\"acme\"} 1.0"), "the denial is a named metric per tenant");

            ManagedChannel ch = control(server, ca.identity("a2", "acme", Role.CLIENT));
            try {
                ControlGrpc.ControlBlockingStub stub = ControlGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(10, TimeUnit.SECONDS);
                ListNamespacesReply listed = stub.listNamespaces(ListNamespacesRequest.getDefaultInstance());
                assertEquals(List.of(ByteString.copyFrom(nsA.toBytes())), listed.getNamespaceIdsList(),
                    "A sees only its own namespaces");
                StatusRuntimeException lookupB = assertThrows(StatusRuntimeException.class, () -> stub.lookupPrefix(
                    LookupPrefixRequest.newBuilder().setNamespaceId(ByteString.copyFrom(nsB.toBytes()))
                        .addKeys(ByteString.copyFrom(k.toBytes())).build()));
                assertEquals(Status.Code.PERMISSION_DENIED, lookupB.getStatus().getCode());
                StatusRuntimeException replication = assertThrows(StatusRuntimeException.class,
                    () -> stub.registerNamespace(RegisterNamespaceRequest.newBuilder().setReplication(2)
                        .setNamespace(NamespaceCodec.toSpec(NS_A)).build()));
                assertEquals(Status.Code.PERMISSION_DENIED, replication.getStatus().getCode(),
                    "a namespace's replication is an admin's to set");
            } finally {
                ch.shutdownNow();
            }
        }
    }

    /** What a client is told of namespace {@code ns} by PUT, GET and LOOKUP, on both planes: code and message each. */
    private static List<String> answers(KvClient c, ManagedChannel ch, BlockKey ns) {
        BlockKey k = new BlockKey(7, 7);
        List<Throwable> data = List.of(
            assertThrows(Exception.class, () -> c.put(ns, new BlockKey[] {k}, new ByteBuffer[] {block(3)})
                .get(10, TimeUnit.SECONDS)).getCause(),
            assertThrows(Exception.class, () -> c.get(ns, new BlockKey[] {k},
                new ByteBuffer[] {ByteBuffer.allocate(4096)}).get(10, TimeUnit.SECONDS)).getCause(),
            assertThrows(Exception.class, () -> c.lookupPrefix(ns, new BlockKey[] {k}).get(10, TimeUnit.SECONDS))
                .getCause());
        List<String> out = new ArrayList<>();
        for (Throwable t : data) {
            out.add(code(t) + ": " + t.getMessage().replace(ns.toString(), "<ns>"));
        }
        StatusRuntimeException control = assertThrows(StatusRuntimeException.class, () -> ControlGrpc
            .newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).lookupPrefix(LookupPrefixRequest
                .newBuilder().setNamespaceId(ByteString.copyFrom(ns.toBytes()))
                .addKeys(ByteString.copyFrom(k.toBytes())).build()));
        out.add(control.getStatus().getCode() + ": " + control.getStatus().getDescription().replace(ns.toString(),
            "<ns>"));
        return out;
    }

    @Test
    void aClientIsToldTheSameOfAnUnregisteredNamespaceAsOfAnotherTenantsWhileNodesAndAdminsLearnItIsUnknown()
        throws Exception {
        Namespace neverRegistered = Namespace.builder().tenant("initech").modelId("m").layers(2).kvHeads(2)
            .headDim(64).build();
        BlockKey unregistered = BlockKeys.namespaceRoot(neverRegistered);
        TestCertificates.Issued acme = ca.identity("a", "acme", Role.CLIENT);
        try (SpillwayServer server = start();
             KvClient a = client(server, acme);
             KvClient b = client(server, ca.identity("b", "globex", Role.CLIENT))) {
            BlockKey nsB = b.registerNamespace(NS_B).get(10, TimeUnit.SECONDS);
            ManagedChannel ch = control(server, acme);
            try {
                List<String> ofAnotherTenant = answers(a, ch, nsB);
                List<String> ofNobody = answers(a, ch, unregistered);
                assertEquals(ofAnotherTenant, ofNobody, "a client cannot tell the two apart");
                for (String answer : ofNobody) {
                    assertTrue(answer.startsWith("PERMISSION_DENIED: ") && !answer.contains("globex")
                        && !answer.contains("initech") && !answer.contains("not registered on"), answer);
                }
                assertEquals(8.0, server.metrics().access().deniedCount("acme"), 0.0,
                    "both kinds counted as denials of the caller, on both planes");
            } finally {
                ch.shutdownNow();
            }
            // a node and an admin still learn that nobody registered it (an admin may list every namespace)
            for (TestCertificates.Issued who : List.of(ca.identity("peer", null, Role.NODE),
                ca.identity("admin", null, Role.ADMIN))) {
                try (KvClient c = client(server, who)) {
                    Throwable get = assertThrows(Exception.class, () -> c.get(unregistered,
                        new BlockKey[] {new BlockKey(7, 7)}, new ByteBuffer[] {ByteBuffer.allocate(4096)})
                        .get(10, TimeUnit.SECONDS)).getCause();
                    assertEquals(ErrorCode.UNKNOWN_NAMESPACE, code(get), who.toString());
                }
            }
        }
    }

    @Test
    void adminCallsNeedTheAdminRole() throws Exception {
        try (SpillwayServer server = start()) {
            for (TestCertificates.Issued who : List.of(ca.identity("client", "acme", Role.CLIENT),
                ca.identity("router", null, Role.ROUTER))) {
                ManagedChannel ch = control(server, who);
                try {
                    ControlGrpc.ControlBlockingStub stub = ControlGrpc.newBlockingStub(ch)
                        .withDeadlineAfter(10, TimeUnit.SECONDS);
                    StatusRuntimeException quota = assertThrows(StatusRuntimeException.class, () -> stub
                        .setTenantQuota(SetTenantQuotaRequest.newBuilder().setTenant("globex").setCpuBytes(1).build()));
                    assertEquals(Status.Code.PERMISSION_DENIED, quota.getStatus().getCode());
                    assertTrue(quota.getStatus().getDescription().contains("needs one of the roles [ADMIN]"),
                        quota.getStatus().getDescription());
                    assertThrows(StatusRuntimeException.class, () -> stub.listTenants(
                        ListTenantsRequest.getDefaultInstance()));
                    assertTrue(stub.health(HealthRequest.getDefaultInstance()).getLive(), "health is for anyone");
                } finally {
                    ch.shutdownNow();
                }
            }
            assertEquals(0, server.tenants().quota("globex"), "the refused quota was not set");
            ManagedChannel ch = control(server, ca.identity("admin", null, Role.ADMIN));
            try {
                ControlGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).setTenantQuota(
                    SetTenantQuotaRequest.newBuilder().setTenant("globex").setCpuBytes(1 << 20).build());
            } finally {
                ch.shutdownNow();
            }
            assertEquals(1 << 20, server.tenants().quota("globex"), "the admin's quota is set");
        }
    }

    @Test
    void plaintextUntrustedAndNamelessPeersAreRefusedBeforeAnyRequest() throws Exception {
        try (SpillwayServer server = start()) {
            try (Socket plain = new Socket("127.0.0.1", server.dataPort())) {
                plain.setSoTimeout(10_000);
                OutputStream out = plain.getOutputStream();
                out.write(new byte[] {0x53, 0x57, 1, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0}); // a PING frame
                out.flush();
                InputStream in = plain.getInputStream();
                byte[] answer = in.readNBytes(16);
                assertTrue(answer.length < 16 || answer[0] != 0x53, "no protocol answer on a TLS port");
            } catch (IOException reset) {
                // the node may reset the connection instead of closing it: refused all the same
            }
            awaitRefused(server, "handshake", 1);

            ManagedChannel plain = Grpc.newChannelBuilderForAddress("127.0.0.1", server.controlPort(),
                InsecureChannelCredentials.create()).build();
            try {
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ControlGrpc
                    .newBlockingStub(plain).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .health(HealthRequest.getDefaultInstance()));
                assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), "no plaintext on the control port");
            } finally {
                plain.shutdownNow();
            }

            TestCertificates other = new TestCertificates(dir.resolve("other"), "rogue");
            TestCertificates.Issued rogue = other.identity("rogue", "globex", Role.CLIENT);
            ClientContext rogueContext = ClientContext.builder().server("127.0.0.1", server.dataPort())
                .controlPort(server.controlPort()).connections(1)
                .tls(TestCertificates.tls(rogue, ca.ca(), Duration.ofSeconds(1))).build();
            ErrorCode refused;
            // TLS 1.3: the client may finish its side before the node rejects its certificate, so the refusal shows
            // at connect or at the first request, never as an answer
            try (KvClient r = KvClient.connect(rogueContext)) {
                refused = code(assertThrows(ExecutionException.class, () -> r.ping().get(10, TimeUnit.SECONDS)));
            } catch (KvClientException e) {
                refused = e.code();
            }
            assertEquals(ErrorCode.CONNECTION_LOST, refused);
            awaitRefused(server, "handshake", 2);

            TestCertificates.Issued nobody = ca.issue("nobody", "https://example.com/not-an-identity");
            assertEquals(ErrorCode.CONNECTION_LOST, pingOutcome(ClientContext.builder()
                .server("127.0.0.1", server.dataPort()).controlPort(server.controlPort()).connections(1)
                .tls(TestCertificates.tls(nobody, ca.ca(), Duration.ofSeconds(1))).build()),
                "a trusted certificate that names no identity is closed before any request");
            awaitRefused(server, "no_identity", 1);
        }
    }

    @Test
    void aRotatedNodeCertificateIsServedToNewConnectionsWithoutARestart() throws Exception {
        try (SpillwayServer server = start();
             KvClient a = client(server, ca.identity("a", "acme", Role.CLIENT))) {
            BlockKey nsA = a.registerNamespace(NS_A).get(10, TimeUnit.SECONDS);
            assertEquals(node.certificate().getSerialNumber(), servedSerial(server.dataPort()));
            TestCertificates.Issued rotated = ca.issue("node-2", node.cert(), node.key(), "spiffe://spillway/role/node");
            assertNotEquals(node.certificate().getSerialNumber(), rotated.certificate().getSerialNumber());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            BigInteger served = servedSerial(server.dataPort());
            while (!served.equals(rotated.certificate().getSerialNumber()) && System.nanoTime() < deadline) {
                Thread.sleep(20);
                served = servedSerial(server.dataPort());
            }
            assertEquals(rotated.certificate().getSerialNumber(), served, "new connections get the new certificate");
            assertEquals(ErrorCode.OK, a.put(nsA, new BlockKey[] {new BlockKey(1, 2)}, new ByteBuffer[] {block(5)})
                .get(10, TimeUnit.SECONDS).statuses()[0], "the open connection goes on");
            try (KvClient fresh = client(server, ca.identity("a3", "acme", Role.CLIENT))) {
                assertEquals(ErrorCode.OK, fresh.get(nsA, new BlockKey[] {new BlockKey(1, 2)},
                    new ByteBuffer[] {ByteBuffer.allocate(4096)}).get(10, TimeUnit.SECONDS).statuses()[0],
                    "a new client works against the rotated certificate");
            }
        }
    }

    @Test
    void aNewAuthorityAddedToTheTrustFileIsAcceptedWithoutARestart() throws Exception {
        try (SpillwayServer server = start()) {
            TestCertificates next = new TestCertificates(dir.resolve("next"), "next");
            TestCertificates.Issued newcomer = next.identity("newcomer", "acme", Role.CLIENT);
            Path trustBoth = dir.resolve("both-ca.pem");
            TestCertificates.writeAtomically(trustBoth, Files.readString(ca.ca()) + Files.readString(next.ca()));
            ClientContext context = ClientContext.builder().server("127.0.0.1", server.dataPort())
                .controlPort(server.controlPort()).connections(1)
                .tls(TestCertificates.tls(newcomer, trustBoth, Duration.ofSeconds(1))).build();
            assertEquals(ErrorCode.CONNECTION_LOST, pingOutcome(context), "the node does not trust 'next' yet");

            TestCertificates.writeAtomically(ca.ca(), Files.readString(ca.ca()) + Files.readString(next.ca()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            ErrorCode outcome = pingOutcome(context);
            while (outcome != ErrorCode.OK && System.nanoTime() < deadline) {
                Thread.sleep(50);
                outcome = pingOutcome(context);
            }
            assertEquals(ErrorCode.OK, outcome, "a certificate of the added authority is taken by new connections");
        }
    }

    /** OK when a new client with {@code context} connects and pings, else the code it failed with. */
    private static ErrorCode pingOutcome(ClientContext context) {
        try (KvClient c = KvClient.connect(context)) {
            c.ping().get(10, TimeUnit.SECONDS);
            return ErrorCode.OK;
        } catch (KvClientException e) {
            return e.code();
        } catch (ExecutionException e) {
            return code(e);
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aClusterClientCarriesItsCertificateToTheMapAndToEveryMember() throws Exception {
        try (SpillwayServer server = start();
             KvClient b = client(server, ca.identity("b", "globex", Role.CLIENT));
             ClusterKvClient a = KvClient.connectCluster(ClientContext.builder()
                 .seeds("127.0.0.1:" + server.controlPort()).requestTimeout(Duration.ofSeconds(10))
                 .retryDeadline(Duration.ofSeconds(2))
                 .tls(TestCertificates.tls(ca.identity("a", "acme", Role.CLIENT), ca.ca(), Duration.ofSeconds(1)))
                 .build())) {
            BlockKey nsA = a.registerNamespace(NS_A).get(10, TimeUnit.SECONDS);
            BlockKey nsB = b.registerNamespace(NS_B).get(10, TimeUnit.SECONDS);
            BlockKey k = new BlockKey(11, 12);
            assertTrue(a.put(nsA, new BlockKey[] {k}, new ByteBuffer[] {block(6)}).get(10, TimeUnit.SECONDS).allOk(),
                "the partition map and the member's data plane, both over TLS");
            ByteBuffer back = ByteBuffer.allocate(4096);
            assertEquals(ErrorCode.OK, a.get(nsA, new BlockKey[] {k}, new ByteBuffer[] {back})
                .get(10, TimeUnit.SECONDS).statuses()[0]);
            assertArrayEquals(block(6).array(), back.array());
            double before = server.metrics().access().deniedCount("acme");
            Throwable denied = assertThrows(Exception.class, () -> a.put(nsB, new BlockKey[] {k},
                new ByteBuffer[] {block(7)}).get(10, TimeUnit.SECONDS));
            assertTrue(denied.toString().contains("PERMISSION_DENIED") || (denied.getCause() != null
                && denied.getCause().toString().contains("PERMISSION_DENIED")), denied.toString());
            assertTrue(server.metrics().access().deniedCount("acme") > before, "the cluster client's put was denied");
        }
    }

    /** The serial of the certificate the node presents to a new TLS connection on {@code port}. */
    private BigInteger servedSerial(int port) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(ca.ca())) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509")
                .generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(
            KeyManagerFactory.getDefaultAlgorithm());
        TestCertificates.Issued probe = ca.identity("probe", null, Role.ROUTER);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        try (InputStream in = Files.newInputStream(probe.key())) {
            keys.setKeyEntry("probe", CertificateUtils.getPrivateKey(in), new char[0],
                new X509Certificate[] {probe.certificate()});
        }
        kmf.init(keys, new char[0]);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.startHandshake();
            return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    private static void awaitRefused(SpillwayServer server, String reason, int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.metrics().access().refusedCount(reason) < atLeast && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(server.metrics().access().refusedCount(reason) >= atLeast, "refusals counted as '" + reason
            + "': " + server.metrics().access().refusedCount(reason));
    }
}
