package io.spillway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.server.security.NodeSecurity;
import io.spillway.server.security.SecurityContext;
import io.spillway.server.security.SecurityMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code spillway.security.*} settings: the default is {@code mtls}, so a node given no certificate files does not
 * start; plaintext only when said ({@code mode=none}), and then the node says so once at start-up; a mode without the
 * files it needs, a clustered mtls node without a join secret, or a misspelled setting is refused with the property's
 * name.
 */
class SecuritySettingsTest {
    @TempDir
    Path dir;

    @Test
    void theDefaultIsMutualTlsSoANodeWithoutCertificatesDoesNotStart() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> ServerContext.builder().dataDir(dir).dataPort(0).controlPort(0).httpPort(0).build());
        assertTrue(e.getMessage().contains(SecurityContext.MODE_PROP + "=mtls needs the node's certificate and key"),
            e.getMessage());
        assertTrue(e.getMessage().contains(SecurityContext.MODE_PROP + "=none"), "says how to run plaintext: "
            + e.getMessage());
        assertEquals(SecurityMode.MTLS, SecurityContext.MODE_DEFAULT);
    }

    @Test
    void aClusteredMutualTlsNodeNeedsAJoinSecret() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TestNode.context(dir)
            .security("mode", "mtls").security("certFile", "/c").security("keyFile", "/k")
            .security("trustFile", "/t").cluster("enabled", "true").build());
        assertTrue(e.getMessage().contains("spillway.cluster.joinSecretFile"), e.getMessage());
    }

    @Test
    void plaintextSaidExplicitlyRunsAndTheNodeWarnsOnceThatItRunsWithoutAuthentication() {
        List<LogRecord> records = new ArrayList<>();
        Logger log = Logger.getLogger(NodeSecurity.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(capture);
        try (SpillwayServer server = SpillwayServer.start(TestNode.context(dir).tierFactory(HeapTier.factory(
            8 << 20, null)).build())) {
            assertEquals(SecurityMode.NONE, server.context().security().mode());
            List<LogRecord> warnings = records.stream().filter(r -> r.getLevel() == Level.WARNING).toList();
            assertEquals(1, warnings.size(), "one warning: " + warnings);
            assertTrue(warnings.get(0).getMessage().contains("WITHOUT AUTHENTICATION"), warnings.get(0).getMessage());
        } finally {
            log.removeHandler(capture);
        }
    }

    @Test
    void aModeWithoutItsFilesOrAMisspelledSettingIsRefusedByName() {
        IllegalArgumentException mtls = assertThrows(IllegalArgumentException.class, () -> TestNode.context(dir)
            .security("mode", "mtls").security("certFile", "/c").security("keyFile", "/k").build());
        assertTrue(mtls.getMessage().contains(SecurityContext.TRUST_FILE_PROP), mtls.getMessage());
        IllegalArgumentException token = assertThrows(IllegalArgumentException.class, () -> TestNode.context(dir)
            .security("mode", "token").security("certFile", "/c").security("keyFile", "/k").build());
        assertTrue(token.getMessage().contains(SecurityContext.TOKEN_KEY_FILE_PROP), token.getMessage());
        IllegalArgumentException certless = assertThrows(IllegalArgumentException.class, () -> TestNode.context(dir)
            .security("mode", "mtls").build());
        assertTrue(certless.getMessage().contains(SecurityContext.CERT_FILE_PROP), certless.getMessage());
        IllegalArgumentException typo = assertThrows(IllegalArgumentException.class, () -> TestNode.context(dir)
            .security("certfile", "/c").build());
        assertTrue(typo.getMessage().contains("spillway.security.certfile"), typo.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TestNode.context(dir).security("mode", "tls").build());
    }
}
