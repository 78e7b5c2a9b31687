package io.spillway.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.spillway.client.ClientContext;
import io.spillway.client.KvClient;
import io.spillway.client.KvClientException;
import io.spillway.identity.Role;
import io.spillway.identity.TestCertificates;
import io.spillway.identity.TlsFiles;
import io.spillway.key.BlockKey;
import io.spillway.key.Namespace;
import io.spillway.protocol.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Token mode ({@code spillway.security.mode=token}): TLS without client certificates, each connection naming its
 * peer with a signed HS256 token (an AUTH frame on the data plane, a bearer header on the control plane). The same
 * tenant checks as mutual TLS, and tokens that are forged, unsigned, expired or missing are refused by name.
 */
class TokenModeTenantTest {
    private static final Namespace NS_A = Namespace.builder().tenant("acme").modelId("m").layers(2).kvHeads(2)
        .headDim(64).build();
    private static final Namespace NS_B = Namespace.builder().tenant("globex").modelId("m").layers(2).kvHeads(2)
        .headDim(64).build();
    private static final byte[] KEY = "0123456789abcdef0123456789abcdef-test-key".getBytes();

    @TempDir
    Path dir;

    private TestCertificates ca;
    private TestCertificates.Issued node;
    private Path keyFile;

    @BeforeEach
    void material() throws Exception {
        ca = new TestCertificates(dir.resolve("pki"), "spillway");
        node = ca.identity("node", null, Role.NODE);
        keyFile = dir.resolve("token.key");
        Files.write(keyFile, KEY);
    }

    private SpillwayServer start() {
        return SpillwayServer.start(TestNode.context(dir.resolve("node")).nvmeEnabled(false)
            .cpuCapacityBytes(32 << 20).security("mode", "token").security("certFile", node.cert().toString())
            .security("keyFile", node.key().toString()).security("tokenKeyFile", keyFile.toString())
            .security("refreshMs", "50").build());
    }

    static String token(byte[] key, String subject, String tenant, List<String> roles, Instant expires)
        throws JOSEException {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject(subject).claim("roles", roles)
            .expirationTime(Date.from(expires));
        if (tenant != null) {
            claims.claim("tenant", tenant);
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
        jwt.sign(new MACSigner(key));
        return jwt.serialize();
    }

    private Path tokenFile(String name, String token) throws Exception {
        Path f = dir.resolve(name + ".jwt");
        Files.writeString(f, token);
        return f;
    }

    private KvClient client(SpillwayServer server, Path tokenFile) {
        return KvClient.connect(ClientContext.builder().server("127.0.0.1", server.dataPort())
            .controlPort(server.controlPort()).connections(1)
            .tls(new TlsFiles(null, null, ca.ca(), Duration.ofSeconds(1))).tokenFile(tokenFile).build());
    }

    private static ErrorCode code(Throwable t) {
        Throwable c = (t instanceof ExecutionException || t instanceof CompletionException) && t.getCause() != null
            ? t.getCause() : t;
        return assertInstanceOf(KvClientException.class, c, () -> "expected a KvClientException, got " + c).code();
    }

    @Test
    void anotherTenantsPutGetLookupAndAdminCallsAreDenied() throws Exception {
        Instant later = Instant.now().plusSeconds(600);
        try (SpillwayServer server = start();
             KvClient a = client(server, tokenFile("a", token(KEY, "a", "acme", List.of("client"), later)));
             KvClient b = client(server, tokenFile("b", token(KEY, "b", "globex", List.of("client"), later)))) {
            a.registerNamespace(NS_A).get(10, TimeUnit.SECONDS);
            BlockKey nsB = b.registerNamespace(NS_B).get(10, TimeUnit.SECONDS);
            BlockKey k = new BlockKey(3, 4);
            ByteBuffer bytes = ByteBuffer.wrap(new byte[1024]);
            assertEquals(ErrorCode.OK, b.put(nsB, new BlockKey[] {k}, new ByteBuffer[] {bytes})
                .get(10, TimeUnit.SECONDS).statuses()[0]);

            assertEquals(ErrorCode.PERMISSION_DENIED, code(assertThrows(ExecutionException.class, () -> a.put(nsB,
                new BlockKey[] {k}, new ByteBuffer[] {ByteBuffer.wrap(new byte[1024])}).get(10, TimeUnit.SECONDS))));
            assertEquals(ErrorCode.PERMISSION_DENIED, code(assertThrows(ExecutionException.class, () -> a.get(nsB,
                new BlockKey[] {k}, new ByteBuffer[] {ByteBuffer.allocate(1024)}).get(10, TimeUnit.SECONDS))));
            assertEquals(ErrorCode.PERMISSION_DENIED, code(assertThrows(ExecutionException.class,
                () -> a.lookupPrefix(nsB, new BlockKey[] {k}).get(10, TimeUnit.SECONDS))));
            assertEquals(ErrorCode.PERMISSION_DENIED, code(assertThrows(ExecutionException.class,
                () -> a.registerNamespace(NS_B).get(10, TimeUnit.SECONDS))));
            assertEquals(4.0, server.metrics().access().deniedCount("acme"), 0.0,
                "data plane: put, get, lookup; control plane: RegisterNamespace");
            assertEquals(ErrorCode.PERMISSION_DENIED, code(assertThrows(ExecutionException.class,
                () -> a.registerNamespace(NS_A, 2).get(10, TimeUnit.SECONDS))), "replication needs the admin role");
        }
    }

    @Test
    void forgedUnsignedExpiredAndMissingTokensAreRefused() throws Exception {
        Instant later = Instant.now().plusSeconds(600);
        byte[] otherKey = "another-key-that-is-also-32-bytes-long!!".getBytes();
        String unsigned = new PlainJWT(new JWTClaimsSet.Builder().subject("x").claim("tenant", "acme")
            .claim("roles", List.of("client")).expirationTime(Date.from(later)).build()).serialize();
        List<String> bad = List.of(token(otherKey, "x", "acme", List.of("client"), later), unsigned,
            token(KEY, "x", "acme", List.of("client"), Instant.now().minusSeconds(3600)),
            token(KEY, "x", null, List.of("client"), later), "not a token");
        try (SpillwayServer server = start()) {
            int i = 0;
            for (String t : bad) {
                Path f = tokenFile("bad" + i++, t);
                KvClientException e = assertThrows(KvClientException.class, () -> client(server, f), t);
                assertEquals(ErrorCode.UNAUTHENTICATED, e.code(), e.getMessage());
            }
            assertEquals(bad.size(), server.metrics().access().refusedCount("bad_token"), 0.0);
            // no token at all: the control plane refuses the call, the data plane every request, as unauthenticated
            try (KvClient anonymous = KvClient.connect(ClientContext.builder().server("127.0.0.1", server.dataPort())
                .controlPort(server.controlPort()).connections(1)
                .tls(new TlsFiles(null, null, ca.ca(), Duration.ofSeconds(1))).build())) {
                assertEquals(ErrorCode.UNAUTHENTICATED, code(assertThrows(ExecutionException.class,
                    () -> anonymous.registerNamespace(NS_A).get(10, TimeUnit.SECONDS))));
                // before any namespace is registered: unauthenticated, not UNKNOWN_NAMESPACE (which would tell)
                assertEquals(ErrorCode.UNAUTHENTICATED, code(assertThrows(ExecutionException.class,
                    () -> anonymous.get(NS_A.id(), new BlockKey[] {new BlockKey(1, 1)},
                        new ByteBuffer[] {ByteBuffer.allocate(8)}).get(10, TimeUnit.SECONDS))));
                server.namespaces().register(NS_A);
                assertEquals(ErrorCode.UNAUTHENTICATED, code(assertThrows(ExecutionException.class,
                    () -> anonymous.put(NS_A.id(), new BlockKey[] {new BlockKey(1, 1)},
                        new ByteBuffer[] {ByteBuffer.wrap(new byte[8])}).get(10, TimeUnit.SECONDS))));
            }
        }
    }

    @Test
    void aRenewedTokenIsUsedByTheNextConnection() throws Exception {
        Instant later = Instant.now().plusSeconds(600);
        try (SpillwayServer server = start()) {
            Path f = tokenFile("a", token(KEY, "a", "acme", List.of("client"), later));
            try (KvClient a = client(server, f)) {
                a.registerNamespace(NS_A).get(10, TimeUnit.SECONDS);
            }
            Files.writeString(f, token(KEY, "a", "acme", List.of("router"), later));
            try (KvClient router = client(server, f)) {
                assertEquals(ErrorCode.PERMISSION_DENIED, code(assertThrows(ExecutionException.class,
                    () -> router.put(NS_A.id(), new BlockKey[] {new BlockKey(1, 1)},
                        new ByteBuffer[] {ByteBuffer.wrap(new byte[8])}).get(10, TimeUnit.SECONDS))),
                    "the new token's role, not the old one's");
            }
        }
    }
}
