package io.spillway.router.extproc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.spillway.placement.routing.Pod;
import io.spillway.placement.routing.PodRole;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The picker's server: TLS from files and their rotation, health names and readiness, the inbound limit. */
class ExtProcServerTest {
    @TempDir
    Path dir;

    /** A self-signed certificate for 127.0.0.1 named {@code cn}: its PEM chain and PKCS#8 key written to files. */
    private static X509Certificate selfSigned(String cn, Path cert, Path key) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair pair = g.generateKeyPair();
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + cn),
            BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minusSeconds(60)),
            Date.from(now.plus(Duration.ofDays(1))), new X500Name("CN=" + cn), pair.getPublic());
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(
            GeneralName.iPAddress, "127.0.0.1")));
        X509Certificate c = new JcaX509CertificateConverter().getCertificate(b.build(
            new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
        write(cert, c);
        write(key, new JcaPKCS8Generator(pair.getPrivate(), null).generate());
        return c;
    }

    private static void write(Path file, Object pem) throws IOException {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            w.writeObject(pem);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, s.toString());
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
    }

    private static EndpointPicker picker(PickerFixture f) {
        return new EndpointPicker(f.scheduler, 1 << 20);
    }

    private static ManagedChannel tlsChannel(int port, Path trusted) throws IOException {
        return NettyChannelBuilder.forAddress("127.0.0.1", port, TlsChannelCredentials.newBuilder()
            .trustManager(trusted.toFile()).build()).build();
    }

    @Test
    void tlsServesTheCertificateOnDiskAndPicksUpARotatedOne() throws Exception {
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        Path firstTrust = dir.resolve("first.crt");
        Path secondTrust = dir.resolve("second.crt");
        selfSigned("first", cert, key);
        Files.copy(cert, firstTrust);
        try (PickerFixture f = new PickerFixture(EnvoyRulesTest.pods(false), 1 << 20, 0, Objectives.none());
             ExtProcServer tls = new ExtProcServer(picker(f), "127.0.0.1", 0,
                 new ExtProcServer.Tls(cert, key, Duration.ofMillis(100)), () -> true)) {
            ManagedChannel first = tlsChannel(tls.port(), firstTrust);
            FakeEnvoy.Result r = new FakeEnvoy(first, FakeEnvoy.Mode.FULL_DUPLEX, false).send(EnvoyRulesTest.POST,
                EnvoyRulesTest.completion(EnvoyRulesTest.PROMPT, 0), 2, true, null, null, "{}".getBytes());
            assertEquals(List.of(), r.violations);
            assertNotNull(r.destination());
            first.shutdownNow();

            ManagedChannel plain = NettyChannelBuilder.forAddress("127.0.0.1", tls.port()).usePlaintext().build();
            assertThrows(StatusRuntimeException.class, () -> HealthGrpc.newBlockingStub(plain)
                .withDeadlineAfter(Duration.ofSeconds(2)).check(HealthCheckRequest.newBuilder()
                    .setService(ExtProcServer.LIVENESS).build()), "no plaintext on a TLS port");
            plain.shutdownNow();

            Path newCert = dir.resolve("new.crt");
            Path newKey = dir.resolve("new.key");
            selfSigned("second", newCert, newKey);
            Files.copy(newCert, secondTrust);
            Files.move(newKey, key, StandardCopyOption.REPLACE_EXISTING);
            Files.move(newCert, cert, StandardCopyOption.REPLACE_EXISTING);
            long deadline = System.nanoTime() + 10_000_000_000L;
            StatusRuntimeException last = null;
            while (System.nanoTime() < deadline) {
                ManagedChannel second = tlsChannel(tls.port(), secondTrust);
                try {
                    assertEquals(ServingStatus.SERVING, HealthGrpc.newBlockingStub(second)
                        .withDeadlineAfter(Duration.ofSeconds(2)).check(HealthCheckRequest.newBuilder()
                            .setService(ExtProcServer.LIVENESS).build()).getStatus());
                    last = null;
                    break;
                } catch (StatusRuntimeException e) {
                    last = e; // the old certificate still served: the reload has not run yet
                    Thread.sleep(100);
                } finally {
                    second.shutdownNow();
                }
            }
            assertEquals(null, last, "the rotated certificate is served");
        }
    }

    @Test
    void unreadableCertificatesAreAClearError() throws Exception {
        Path cert = dir.resolve("missing.crt");
        Path key = dir.resolve("missing.key");
        try (PickerFixture f = new PickerFixture(EnvoyRulesTest.pods(false), 1 << 20, 0, Objectives.none())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ExtProcServer(
                picker(f), "127.0.0.1", 0, new ExtProcServer.Tls(cert, key, Duration.ofSeconds(1)), () -> true));
            assertTrue(e.getMessage().contains("missing.crt"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> new ExtProcServer.Tls(cert, null, Duration.ofSeconds(1)));
    }

    @Test
    void livenessAtOnceReadinessOnlyOnceDiscoveryHasSynced() throws Exception {
        AtomicBoolean synced = new AtomicBoolean(false);
        try (PickerFixture f = new PickerFixture(List.of(Pod.idle("10.0.0.1:8000", PodRole.BOTH)), 1 << 20, 0,
            Objectives.none());
             ExtProcServer s = new ExtProcServer(picker(f), "127.0.0.1", 0, null, synced::get)) {
            ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", s.port()).usePlaintext().build();
            try {
                var health = HealthGrpc.newBlockingStub(c);
                assertEquals(ServingStatus.SERVING, status(health, ExtProcServer.LIVENESS));
                assertEquals(ServingStatus.SERVING, status(health, ""));
                assertEquals(ServingStatus.NOT_SERVING, status(health, ExtProcServer.READINESS));
                assertEquals(ServingStatus.NOT_SERVING, status(health, ExtProcServer.EXT_PROC_SERVICE));
                synced.set(true);
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (status(health, ExtProcServer.READINESS) != ServingStatus.SERVING
                    && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertEquals(ServingStatus.SERVING, status(health, ExtProcServer.READINESS));
                assertEquals(ServingStatus.SERVING, status(health, ExtProcServer.EXT_PROC_SERVICE));
            } finally {
                c.shutdownNow();
            }
        }
    }

    private static ServingStatus status(HealthGrpc.HealthBlockingStub h, String service) {
        return h.check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
    }

    @Test
    void theInboundLimitStaysAboveTheBodyLimit() {
        assertEquals(64 << 20, ExtProcServer.inboundLimit(4 << 20));
        assertTrue(ExtProcServer.inboundLimit(100 << 20) > (100 << 20));
        assertEquals(Integer.MAX_VALUE, ExtProcServer.inboundLimit(Integer.MAX_VALUE));
    }
}
