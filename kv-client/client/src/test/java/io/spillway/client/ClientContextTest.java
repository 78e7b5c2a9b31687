package io.spillway.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.identity.TlsFiles;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ClientContextTest {

    @AfterEach
    void clear() {
        System.clearProperty(ClientContext.CONNECTIONS_PROP);
        System.clearProperty(ClientContext.REQUEST_TIMEOUT_MS_PROP);
        System.clearProperty(ClientContext.USE_EPOLL_PROP);
        System.clearProperty(ClientContext.PREFIX + "maxBlocksPerRequest");
        System.clearProperty(ClientContext.TLS_CERT_FILE_PROP);
        System.clearProperty(ClientContext.TLS_KEY_FILE_PROP);
        System.clearProperty(ClientContext.TLS_TRUST_FILE_PROP);
        System.clearProperty(ClientContext.TOKEN_FILE_PROP);
    }

    @Test
    void tlsIsOffByDefaultAndATokenNeedsIt() {
        assertTrue(ClientContext.builder().build().tls().isEmpty(), "plaintext unless told otherwise");
        assertMessage(() -> ClientContext.builder().tokenFile(Path.of("/t.jwt")).build(),
            "spillway.client.tokenFile=/t.jwt needs TLS", "plaintext");
        assertMessage(() -> ClientContext.builder().tls(new TlsFiles(Path.of("/c"), Path.of("/k"), null,
            Duration.ofSeconds(1))).build(), "spillway.client.tls.trustFile must be set");
        System.setProperty(ClientContext.TLS_CERT_FILE_PROP, "/c");
        System.setProperty(ClientContext.TLS_KEY_FILE_PROP, "/k");
        assertMessage(() -> ClientContext.fromSystemProperties(), "need spillway.client.tls.trustFile");
        System.setProperty(ClientContext.TLS_TRUST_FILE_PROP, "/ca");
        TlsFiles read = ClientContext.fromSystemProperties().build().tls().orElseThrow();
        assertEquals(Path.of("/ca"), read.trustedCertificates());
        assertEquals(Path.of("/c"), read.certificate());
    }

    @Test
    void defaultsMatchTheDocumentedOnes() {
        ClientContext c = ClientContext.builder().build();
        assertEquals("127.0.0.1", c.host());
        assertEquals(7600, c.dataPort());
        assertEquals(7601, c.controlPort());
        assertEquals(4, c.connections());
        assertEquals(Duration.ofSeconds(10), c.requestTimeout());
        assertEquals(64, c.maxInFlightPerConnection());
        assertEquals(1024, c.limits().maxBlocksPerRequest());
        assertTrue(c.eventLoopThreads() >= 1);
    }

    @Test
    void systemPropertiesOverrideDefaults() {
        System.setProperty(ClientContext.CONNECTIONS_PROP, "7");
        System.setProperty(ClientContext.REQUEST_TIMEOUT_MS_PROP, "250");
        System.setProperty(ClientContext.USE_EPOLL_PROP, "false");
        System.setProperty(ClientContext.PREFIX + "maxBlocksPerRequest", "16");
        ClientContext c = ClientContext.fromSystemProperties().build();
        assertEquals(7, c.connections());
        assertEquals(Duration.ofMillis(250), c.requestTimeout());
        assertEquals(false, c.useEpoll());
        assertEquals(16, c.limits().maxBlocksPerRequest());
    }

    @Test
    void badValuesAreRejectedNamingPropertyAndValue() {
        assertMessage(() -> ClientContext.builder().connections(0).build(), "spillway.client.connections", "got 0");
        assertMessage(() -> ClientContext.builder().server("h", 70_000).build(), "spillway.client.dataPort",
            "got 70000");
        assertMessage(() -> ClientContext.builder().server("h", 9).controlPort(9).build(), "must differ", "9");
        assertMessage(() -> ClientContext.builder().requestTimeout(Duration.ZERO).build(),
            "spillway.client.requestTimeoutMs", "PT0S");
        assertMessage(() -> ClientContext.builder().maxInFlightPerConnection(-1).build(),
            "spillway.client.maxInFlightPerConnection", "got -1");
        System.setProperty(ClientContext.CONNECTIONS_PROP, "four");
        assertMessage(() -> ClientContext.fromSystemProperties(), "spillway.client.connections", "'four'");
        System.setProperty(ClientContext.CONNECTIONS_PROP, "4");
        System.setProperty(ClientContext.USE_EPOLL_PROP, "yes");
        assertMessage(() -> ClientContext.fromSystemProperties(), "spillway.client.useEpoll", "'yes'");
        System.setProperty(ClientContext.USE_EPOLL_PROP, "true");
        System.setProperty(ClientContext.REQUEST_TIMEOUT_MS_PROP, " ");
        assertMessage(() -> ClientContext.fromSystemProperties(), "spillway.client.requestTimeoutMs must not be empty");
    }

    private static void assertMessage(Runnable r, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), e.getMessage());
        }
    }
}
