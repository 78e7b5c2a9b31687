package io.spillway.perf.launch;

import io.spillway.identity.CertificateAuthority;
import io.spillway.identity.CertificateIdentity;
import io.spillway.identity.Role;
import io.spillway.identity.TlsFiles;
import io.spillway.server.security.SecurityContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The certificates of one TLS bench run, issued into the run directory when the run starts and gone with it: a
 * fresh authority, the node's certificate (role node, IP name 127.0.0.1, where the bench dials it) and a client
 * certificate for the tenant the bench writes under. {@link #nodeArgs()} turns a node's mutual TLS on with them;
 * {@link #client()} is what the bench's client presents.
 */
public final class RunCertificates {
    /** Long enough for any run; the files are deleted with the run directory. */
    private static final Duration VALIDITY = Duration.ofDays(2);
    /** How often node and client look for rotated files; nothing rotates during a run. */
    private static final Duration REFRESH = Duration.ofMinutes(1);

    private final Path authority;
    private final Path nodeCert;
    private final Path nodeKey;
    private final Path clientCert;
    private final Path clientKey;

    private RunCertificates(Path dir) {
        authority = dir.resolve("ca.pem");
        nodeCert = dir.resolve("node.pem");
        nodeKey = dir.resolve("node.key");
        clientCert = dir.resolve("client.pem");
        clientKey = dir.resolve("client.key");
    }

    /** Issues the authority, the node's and {@code tenant}'s client certificate under {@code dir}. */
    public static RunCertificates issue(Path dir, String tenant) throws IOException {
        Files.createDirectories(dir);
        RunCertificates files = new RunCertificates(dir);
        CertificateIdentity names = new CertificateIdentity(SecurityContext.TRUST_DOMAIN_DEFAULT);
        CertificateAuthority ca = CertificateAuthority.create("spillway bench CA", VALIDITY);
        CertificateAuthority.writeAtomically(files.authority, ca.certificatePem(), false);
        ca.issue(new CertificateAuthority.Subject("spillway bench node", List.of("127.0.0.1"),
            List.of(names.uri(null, Role.NODE))), VALIDITY).write(files.nodeCert, files.nodeKey);
        ca.issue(new CertificateAuthority.Subject("spillway bench client " + tenant, List.of(),
            List.of(names.uri(tenant, Role.CLIENT))), VALIDITY).write(files.clientCert, files.clientKey);
        return files;
    }

    /** The node's {@code --set} arguments for {@code spillway.security.mode=mtls} with these files. */
    public List<String> nodeArgs() {
        return List.of(
            "--set", SecurityContext.MODE_PROP + "=mtls",
            "--set", SecurityContext.CERT_FILE_PROP + "=" + nodeCert,
            "--set", SecurityContext.KEY_FILE_PROP + "=" + nodeKey,
            "--set", SecurityContext.TRUST_FILE_PROP + "=" + authority);
    }

    /** The client's side: its certificate and key, and the authority that signed the node. */
    public TlsFiles client() {
        return TlsFiles.mutual(clientCert, clientKey, authority, REFRESH);
    }
}
