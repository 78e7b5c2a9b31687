package io.spillway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spillway.server.cluster.ClusterContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ignite's discovery and communication over mutual TLS (docs/security.md): members with certificates the others
 * trust form one cluster; a member without TLS, or with a certificate the others do not trust, never enters their
 * map. Key stores made by the JDK's keytool; real embedded nodes on loopback (discovery 29300+, communication 29400+).
 */
class ClusterTlsTest {
    private static final String PASSWORD = "store-password";

    @TempDir
    Path dir;

    private final List<SpillwayServer> started = new ArrayList<>();
    private final ExecutorService starter = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        starter.shutdownNow();
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
    }

    /** A key pair with a self-signed certificate in {@code name}.p12, and a trust store of that certificate. */
    private Path[] identity(String name) throws Exception {
        Path keys = dir.resolve(name + ".p12");
        Path cert = dir.resolve(name + ".crt");
        Path trust = dir.resolve(name + "-trust.p12");
        keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
            "-validity", "2", "-keystore", keys.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool("-exportcert", "-alias", name, "-keystore", keys.toString(), "-storepass", PASSWORD, "-file",
            cert.toString());
        keytool("-importcert", "-noprompt", "-alias", name, "-file", cert.toString(), "-keystore", trust.toString(),
            "-storetype", "PKCS12", "-storepass", PASSWORD);
        return new Path[] {keys, trust};
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "keytool " + command + ": " + out);
    }

    private ServerContext.Builder context(String name, Path[] identity) throws Exception {
        ServerContext.Builder b = TestNode.member(dir, name, 29300, 29400, 3);
        if (identity != null) {
            Path password = dir.resolve("password");
            Files.writeString(password, PASSWORD + "\n", StandardCharsets.UTF_8);
            b.cluster("tls.keyStore", identity[0].toString()).cluster("tls.keyStorePasswordFile", password.toString())
                .cluster("tls.trustStore", identity[1].toString())
                .cluster("tls.trustStorePasswordFile", password.toString());
        }
        return b;
    }

    private SpillwayServer node(String name, Path[] identity) throws Exception {
        SpillwayServer s = SpillwayServer.start(context(name, identity).build());
        started.add(s);
        return s;
    }

    /**
     * Starts {@code name} and returns the members it sees, or -1 when its start failed or did not end within the
     * bound: either way it did not join the TLS members.
     */
    private int outsider(String name, Path[] identity) throws Exception {
        ServerContext ctx = context(name, identity).build();
        Future<SpillwayServer> f = starter.submit(() -> SpillwayServer.start(ctx));
        try {
            SpillwayServer s = f.get(60, TimeUnit.SECONDS);
            started.add(s);
            return s.cluster().currentMap().nodes().size();
        } catch (TimeoutException stillJoining) {
            f.cancel(true);
            return -1;
        } catch (ExecutionException refused) {
            return -1;
        }
    }

    @Test
    void membersWithTrustedCertificatesFormOneClusterAndOthersStayOut() throws Exception {
        Path[] members = identity("member");
        SpillwayServer a = node("node-a", members);
        SpillwayServer b = node("node-b", members);
        ClusterNodesTest.await(() -> a.cluster().currentMap().nodes().size() == 2
            && b.cluster().currentMap().nodes().size() == 2, "two TLS members see each other");

        int plain = outsider("node-plain", null);
        assertTrue(plain == -1 || plain == 1, "a member without TLS is alone or not started, saw " + plain);
        int stranger = outsider("node-stranger", identity("stranger"));
        assertTrue(stranger == -1 || stranger == 1, "an untrusted certificate is alone or not started: " + stranger);
        assertEquals(2, a.cluster().currentMap().nodes().size(), "neither outsider entered the members' map");
        assertEquals(2, b.cluster().currentMap().nodes().size());
    }

    @Test
    void incompleteOrUnreadableStoresFailTheStartByName() throws Exception {
        Path[] members = identity("member");
        Path password = dir.resolve("pw");
        Files.writeString(password, PASSWORD, StandardCharsets.UTF_8);
        IllegalArgumentException partial = assertThrows(IllegalArgumentException.class, () -> ClusterContext.from(
            Map.of(ClusterContext.TLS_KEY_STORE_PROP, members[0].toString()), Map.of(), dir));
        assertTrue(partial.getMessage().contains("needs all of"), partial.getMessage());
        Path wrong = dir.resolve("wrong");
        Files.writeString(wrong, "not-the-password", StandardCharsets.UTF_8);
        IllegalArgumentException badPassword = assertThrows(IllegalArgumentException.class, () -> ClusterContext.from(
            Map.of(ClusterContext.TLS_KEY_STORE_PROP, members[0].toString(),
                ClusterContext.TLS_KEY_STORE_PASSWORD_FILE_PROP, wrong.toString(),
                ClusterContext.TLS_TRUST_STORE_PROP, members[1].toString(),
                ClusterContext.TLS_TRUST_STORE_PASSWORD_FILE_PROP, password.toString()), Map.of(), dir));
        assertTrue(badPassword.getMessage().contains(ClusterContext.TLS_KEY_STORE_PROP), badPassword.getMessage());
    }
}
