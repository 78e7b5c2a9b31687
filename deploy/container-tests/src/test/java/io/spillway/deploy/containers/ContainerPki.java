package io.spillway.deploy.containers;

import io.spillway.identity.CertificateAuthority;
import io.spillway.identity.CertificateIdentity;
import io.spillway.identity.Role;
import io.spillway.identity.TlsFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A cluster's certificates and join secret, made for one container test in a directory of its own that the node
 * containers mount read-only at {@link #MOUNT}: an authority, one certificate per node (the node role, its host name
 * and its address on the test's network, which peers and the test dial), an admin's for the CLI, and the test's own
 * client. The directory is the test's and is deleted by it; the files are world-readable so that the image's non-root
 * user can read them through the bind mount (no private key outlives the test).
 */
final class ContainerPki {
    /** Where the node containers see the directory. */
    static final String MOUNT = "/etc/spillway/tls";

    private final Path dir;
    private final CertificateAuthority authority;
    private final CertificateIdentity names = new CertificateIdentity("spillway");

    ContainerPki(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        authority = CertificateAuthority.create("spillway container test", Duration.ofDays(1));
        write("ca.crt", authority.certificatePem());
        byte[] secret = new byte[24];
        new SecureRandom().nextBytes(secret);
        write("join-secret", HexFormat.of().formatHex(secret) + "\n");
    }

    Path dir() {
        return dir;
    }

    /** A node's certificate: {@code name}.crt and .key, naming the node role, {@code name} and {@code ip}. */
    void node(String name, String ip) throws IOException {
        issue(name, List.of(name, ip), names.uri(null, Role.NODE));
    }

    /** An identity with {@code roles} (and {@code tenant}, for the client role), usable from this host. */
    TlsFiles identity(String name, String tenant, Role... roles) throws IOException {
        List<String> uris = new ArrayList<>();
        for (Role r : roles) {
            uris.add(names.uri(r == Role.CLIENT ? tenant : null, r));
        }
        issue(name, List.of("localhost"), uris.toArray(String[]::new));
        return TlsFiles.mutual(dir.resolve(name + ".crt"), dir.resolve(name + ".key"), dir.resolve("ca.crt"),
            Duration.ofSeconds(5));
    }

    /** The {@code --set} arguments that put a node container in mtls mode with its files and the join secret. */
    static List<String> nodeSettings(String name) {
        return List.of("--set", "spillway.security.mode=mtls",
            "--set", "spillway.security.certFile=" + MOUNT + "/" + name + ".crt",
            "--set", "spillway.security.keyFile=" + MOUNT + "/" + name + ".key",
            "--set", "spillway.security.trustFile=" + MOUNT + "/ca.crt",
            "--set", "spillway.cluster.joinSecretFile=" + MOUNT + "/join-secret");
    }

    private void issue(String name, List<String> hosts, String... uris) throws IOException {
        CertificateAuthority.Leaf leaf = authority.issue(new CertificateAuthority.Subject(name, hosts, List.of(uris)),
            Duration.ofDays(1));
        write(name + ".key", leaf.keyPem());
        write(name + ".crt", leaf.certificatePem());
    }

    private void write(String file, String text) throws IOException {
        Path p = dir.resolve(file);
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
    }
}
